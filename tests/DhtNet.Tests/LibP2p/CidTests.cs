namespace DhtNet.Tests.LibP2p;

public class CidTests
{
    [Fact]
    public void Hash_RawHello_IsJsLibp2pCid()
    {
        var cid = Cid.Hash("hello"u8);

        Assert.Equal("bafkreibm6jg3ux5qumhcn2b3flc3tyu6dmlb4xa7u5bf44yegnrjhc4yeq", cid.ToString());
        Assert.Equal(1, cid.Version);
        Assert.Equal(Multicodec.Raw, cid.Codec);
        Assert.Equal("raw", cid.CodecName);
        Assert.Equal(Multihash.Sha256("hello"u8), cid.Multihash);
    }

    [Theory]
    [MemberData(nameof(JsVectors.Cids), MemberType = typeof(JsVectors))]
    public void Parse_JsVector_SameBytesAndTexts(string text, string hex, string base36, string v1)
    {
        var cid = Cid.Parse(text);

        Assert.Equal(hex, Convert.ToHexStringLower(cid.ToBytes()));
        Assert.Equal(text, cid.ToString());
        Assert.Equal(cid, Cid.FromBytes(Convert.FromHexString(hex)));
        Assert.Equal(v1, cid.ToV1().ToString());
        Assert.Equal(base36, cid.ToV1().ToString(MultibaseEncoding.Base36Lower));
        Assert.Equal(cid.ToV1(), Cid.Parse(base36));
    }

    [Fact]
    public void Parse_V0_IsDagPbSha256()
    {
        var cid = Cid.Parse("QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N");

        Assert.Equal(0, cid.Version);
        Assert.Equal(Multicodec.DagPb, cid.Codec);
        Assert.Equal(34, cid.ToBytes().Length);
        Assert.Throws<InvalidOperationException>(() => cid.ToString(MultibaseEncoding.Base32Lower));
    }

    [Theory]
    [InlineData("")]
    [InlineData("Qm")]
    [InlineData("QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5")] // 45 characters: not v0, and Q is no multibase prefix
    [InlineData("bafkreibm6jg3ux5qumhcn2b3flc3tyu6dmlb4xa7u5bf44yegnrjhc4ye")] // truncated
    [InlineData("bafkreibm6jg3ux5qumhcn2b3flc3tyu6dmlb4xa7u5bf44yegnrjhc4yeqaa")] // bytes left over
    [InlineData("bciqfteskljuybpt")] // version 2 is not supported
    [InlineData("baeaa")] // version 1, codec, no multihash
    [InlineData("zQmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N")] // a v0 multihash under a multibase prefix
    public void Parse_Invalid_ThrowsFormatException(string text)
    {
        Assert.Throws<LibP2pFormatException>(() => Cid.Parse(text));
        Assert.False(Cid.TryParse(text, out _));
    }
}
