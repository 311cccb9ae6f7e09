using System.Net;
using System.Net.Sockets;

namespace DhtNet.Tests.Krpc;

public class CompactEncodingTests
{
    [Theory]
    [InlineData("1.2.3.4", 6881, "010203041ae1")]
    [InlineData("::ffff:1.2.3.4", 6881, "010203041ae1")]
    [InlineData("2001:db8::1", 443, "20010db800000000000000000000000101bb")]
    public void WritePeer_WritesAddressThenBigEndianPort(string address, int port, string expectedHex)
    {
        Span<byte> buffer = stackalloc byte[CompactEncoding.PeerSizeV6];
        int written = CompactEncoding.WritePeer(new IPEndPoint(IPAddress.Parse(address), port), buffer);
        Assert.Equal(expectedHex, Convert.ToHexStringLower(buffer[..written]));
    }

    [Fact]
    public void WritePeer_DestinationTooSmall_ThrowsNamingDestination()
    {
        var error = Assert.Throws<ArgumentException>(() => CompactEncoding.WritePeer(new IPEndPoint(IPAddress.Loopback, 1), new byte[5]));
        Assert.Equal("destination", error.ParamName);
    }

    [Fact]
    public void ReadPeer_WrongLength_ThrowsNamingLength()
    {
        var error = Assert.Throws<ArgumentException>(() => CompactEncoding.ReadPeer(new byte[7]));
        Assert.Contains("got 7", error.Message);
    }

    [Fact]
    public void EncodeNodes_MixedFamilies_KeepsOnlyAskedFamilyAndReadsBack()
    {
        var random = new Random(3);
        var v4 = new NodeInfo(NodeId.Random(random), new IPEndPoint(IPAddress.Parse("10.1.2.3"), 1000));
        var mapped = new NodeInfo(NodeId.Random(random), new IPEndPoint(IPAddress.Parse("::ffff:10.1.2.4"), 1001));
        var v6 = new NodeInfo(NodeId.Random(random), new IPEndPoint(IPAddress.Parse("fd00::5"), 1002));

        byte[] compact4 = CompactEncoding.EncodeNodes([v4, v6, mapped], AddressFamily.InterNetwork);
        byte[] compact6 = CompactEncoding.EncodeNodes([v4, v6, mapped], AddressFamily.InterNetworkV6);

        Assert.Equal(2 * CompactEncoding.NodeSizeV4, compact4.Length);
        var read4 = CompactEncoding.ReadNodes(compact4, AddressFamily.InterNetwork);
        Assert.Equal([v4.Id, mapped.Id], read4.Select(n => n.Id));
        Assert.Equal("10.1.2.4:1001", read4[1].EndPoint.ToString());
        Assert.Equal(v6, Assert.Single(CompactEncoding.ReadNodes(compact6, AddressFamily.InterNetworkV6)));
    }

    [Fact]
    public void ReadNodes_TrailingPartialEntry_ReadsWholeEntriesOnly()
    {
        var node = new NodeInfo(NodeId.Random(new Random(4)), new IPEndPoint(IPAddress.Parse("10.0.0.1"), 6881));
        byte[] compact = [.. CompactEncoding.EncodeNodes([node, node], AddressFamily.InterNetwork), 1, 2, 3];
        Assert.Equal(2, CompactEncoding.ReadNodes(compact, AddressFamily.InterNetwork).Length);
        Assert.Empty(CompactEncoding.ReadNodes(compact.AsSpan(0, 25), AddressFamily.InterNetwork));
    }
}
