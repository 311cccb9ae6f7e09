using System.Buffers;

namespace DhtNet.Tests.LibP2p;

public class MultiformatsTests
{
    [Theory]
    // The unsigned-varint spec's examples, and the 9-byte maximum.
    [InlineData(0UL, "00")]
    [InlineData(1UL, "01")]
    [InlineData(127UL, "7f")]
    [InlineData(128UL, "8001")]
    [InlineData(255UL, "ff01")]
    [InlineData(300UL, "ac02")]
    [InlineData(16384UL, "808001")]
    [InlineData(9223372036854775807UL, "ffffffffffffffff7f")]
    public void Varint_SpecExamples_WriteAndReadBack(ulong value, string hex)
    {
        var span = new byte[Varint.MaxLength];
        var written = Varint.Write(span, value);
        var writer = new ArrayBufferWriter<byte>();
        Varint.Write(writer, value);

        Assert.Equal(hex, Convert.ToHexStringLower(span.AsSpan(0, written)));
        Assert.Equal(hex, Convert.ToHexStringLower(writer.WrittenSpan));
        Assert.Equal(written, Varint.GetLength(value));
        Assert.True(Varint.TryRead(Convert.FromHexString(hex + "ff"), out var read, out var consumed));
        Assert.Equal((value, written), (read, consumed));
    }

    [Theory]
    [InlineData("8100", OperationStatus.InvalidData)] // 1 with a trailing zero byte: not minimal
    [InlineData("808000", OperationStatus.InvalidData)]
    [InlineData("ffffffffffffffffff01", OperationStatus.InvalidData)] // 10 bytes: over the 9-byte limit
    [InlineData("ffffffffffffffff80", OperationStatus.InvalidData)] // 9 bytes, still continuing
    [InlineData("", OperationStatus.NeedMoreData)]
    [InlineData("80", OperationStatus.NeedMoreData)]
    [InlineData("ffffffffffffffff", OperationStatus.NeedMoreData)]
    public void Varint_InvalidOrIncomplete_ReportsWhich(string hex, OperationStatus expected)
    {
        var bytes = Convert.FromHexString(hex);

        Assert.Equal(expected, Varint.Decode(bytes, out _, out var consumed));
        Assert.Equal(0, consumed);
        Assert.False(Varint.TryRead(bytes, out _, out _));
        Assert.Throws<LibP2pFormatException>(() => Varint.Read(bytes, out _));
    }

    [Fact]
    public void Varint_Over63Bits_Refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Varint.Write(new byte[10], 1UL << 63));
    }

    [Theory]
    [InlineData(MultibaseEncoding.Base58Btc, "", "z")]
    [InlineData(MultibaseEncoding.Base58Btc, "00000102", "z115T")]
    [InlineData(MultibaseEncoding.Base32Lower, "666f6f626172", "bmzxw6ytboi")]
    [InlineData(MultibaseEncoding.Base32Upper, "666f6f626172", "BMZXW6YTBOI")]
    [InlineData(MultibaseEncoding.Base36Lower, "00ff", "k073")]
    [InlineData(MultibaseEncoding.Base16Lower, "00ff", "f00ff")]
    [InlineData(MultibaseEncoding.Base64, "666f", "mZm8")]
    [InlineData(MultibaseEncoding.Base64Url, "fbff", "u-_8")]
    public void Multibase_Encode_DecodesBack(MultibaseEncoding encoding, string hex, string text)
    {
        var bytes = Convert.FromHexString(hex);

        Assert.Equal(text, Multibase.Encode(bytes, encoding));
        Assert.Equal(bytes, Multibase.Decode(text, out var decoded));
        Assert.Equal(encoding, decoded);
    }

    [Theory]
    [InlineData("")]
    [InlineData("q123")] // unknown prefix
    [InlineData("z0OIl")] // not base58
    [InlineData("bmzxw6ytbo1")] // '1' is not base32
    [InlineData("bMZXW6YTBOI")] // upper case under the lower-case prefix
    [InlineData("bmzxw6ytboj")] // non-zero trailing bits
    [InlineData("ba")] // no byte string encodes to one character
    [InlineData("f0")] // odd hex
    [InlineData("k07Z")]
    [InlineData("mZm9")] // non-zero trailing bits
    public void Multibase_Invalid_ThrowsFormatException(string text)
    {
        Assert.Throws<LibP2pFormatException>(() => Multibase.Decode(text));
    }

    [Fact]
    public void Multibase_TooLong_ThrowsFormatException()
    {
        Assert.Throws<LibP2pFormatException>(() => Multibase.Decode("z" + new string('2', Multibase.MaxTextLength + 1)));
    }

    [Fact]
    public void Multihash_Sha256OfHello_HasCodeLengthDigest()
    {
        var multihash = Multihash.Sha256("hello"u8);

        Assert.Equal("12202cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824", Convert.ToHexStringLower(multihash.Bytes.Span));
        Assert.True(multihash.Matches("hello"u8));
        Assert.False(multihash.Matches("hellO"u8));
        Assert.Equal("sha2-256", multihash.FunctionName);
        Assert.Equal(multihash, Multihash.FromBytes(multihash.Bytes.Span));
    }

    [Fact]
    public void Multihash_Sha1AndIdentity_Encoded()
    {
        Assert.Equal("1114aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d", Convert.ToHexStringLower(Multihash.Sum(Multicodec.Sha1, "hello"u8).Bytes.Span));
        Assert.Equal("000568656c6c6f", Convert.ToHexStringLower(Multihash.Identity("hello"u8).Bytes.Span));
    }

    [Theory]
    [InlineData("1221" + "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b982400")] // sha2-256 of 33 bytes
    [InlineData("12202cf24d")] // truncated digest
    [InlineData("1220")]
    [InlineData("12")]
    [InlineData("00058068656c6c6f")] // non-minimal length varint
    [InlineData("0005" + "68656c6c6f" + "00")] // a byte after the digest
    public void Multihash_Invalid_ThrowsFormatException(string hex)
    {
        Assert.Throws<LibP2pFormatException>(() => Multihash.FromBytes(Convert.FromHexString(hex)));
    }

    [Fact]
    public void Multicodec_Names_ComeFromTheTable()
    {
        Assert.Equal("libp2p-key", Multicodec.GetName(Multicodec.Libp2pKey));
        Assert.Equal("dag-pb", Multicodec.GetName(Multicodec.DagPb));
        Assert.Equal("raw", Multicodec.GetName(Multicodec.Raw));
        Assert.Equal("dag-jose", Multicodec.GetName(0x85));
        Assert.Null(Multicodec.GetName(0x7fff_ffff));
    }
}
