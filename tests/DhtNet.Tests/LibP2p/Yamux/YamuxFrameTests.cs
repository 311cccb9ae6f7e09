namespace DhtNet.Tests.LibP2p.Yamux;

public sealed class YamuxFrameTests
{
    public static TheoryData<string, byte, ushort, uint, uint> Headers => new()
    {
        // version, type, flags, stream id, length — all big-endian
        { "000000010000000100000000", 0, 1, 1, 0 }, // data + SYN on stream 1
        { "000100020000000200040000", 1, 2, 2, 0x40000 }, // window update + ACK, 256 KiB
        { "000200010000000000000007", 2, 1, 0, 7 }, // ping SYN, opaque 7
        { "000300000000000000000001", 3, 0, 0, 1 }, // GoAway, protocol error
        { "0000000c000000030000ffff", 0, 12, 3, 0xffff }, // data + FIN + RST
    };

    [Theory]
    [MemberData(nameof(Headers))]
    public void Header_WireBytes_RoundTrip(string hex, byte type, ushort flags, uint streamId, uint length)
    {
        byte[] bytes = Convert.FromHexString(hex);
        var header = YamuxHeader.Read(bytes);
        Assert.Equal(new YamuxHeader((YamuxFrameType)type, (YamuxFlags)flags, streamId, length), header);
        byte[] written = new byte[YamuxHeader.Size];
        header.Write(written);
        Assert.Equal(bytes, written);
    }

    [Theory]
    [InlineData("010000000000000100000000")] // version 1
    [InlineData("000400000000000100000000")] // type 4
    [InlineData("000000100000000100000000")] // flag 0x10
    [InlineData("0000000000000001000000")] // 11 bytes
    public void Header_Invalid_ThrowsProtocolException(string hex)
    {
        Assert.Throws<LibP2pProtocolException>(() => YamuxHeader.Read(Convert.FromHexString(hex)));
    }
}
