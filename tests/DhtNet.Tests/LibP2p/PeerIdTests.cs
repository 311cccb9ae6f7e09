namespace DhtNet.Tests.LibP2p;

public class PeerIdTests
{
    // The peer-ids spec's Ed25519 vectors; js-libp2p prints this key's peer id as below.
    private const string Ed25519PublicKeyHex = "080112201ed1e8fae2c4a144b8be8fd4b47bf3d3b34b871c3cacf6010f0e42d474fce27e";
    private const string Ed25519PrivateKeyHex = "080112407e0830617c4a7de83925dfb2694556b12936c477a0e1feb2e148ec9da60fee7d1ed1e8fae2c4a144b8be8fd4b47bf3d3b34b871c3cacf6010f0e42d474fce27e";
    private const string Ed25519PeerId = "12D3KooWBtg3aaRMjxwedh83aGiUkwSxDwUZkzuJcfaqUmo7R3pq";

    [Fact]
    public void FromPublicKey_SpecEd25519Key_IsJsLibp2pPeerId()
    {
        var key = PublicKey.Unmarshal(Convert.FromHexString(Ed25519PublicKeyHex));

        var peerId = PeerId.FromPublicKey(key);

        Assert.Equal(KeyType.Ed25519, key.Type);
        Assert.Equal(Ed25519PeerId, peerId.ToString());
        Assert.Equal(Ed25519PublicKeyHex, Convert.ToHexStringLower(key.Marshal()));
        Assert.True(peerId.Matches(key));
        Assert.Equal(key, peerId.TryExtractPublicKey());
    }

    [Fact]
    public void Unmarshal_SpecEd25519PrivateKey_HasSpecPublicKeyAndRoundTrips()
    {
        var bytes = Convert.FromHexString(Ed25519PrivateKeyHex);

        var key = PrivateKey.Unmarshal(bytes);

        Assert.Equal(Ed25519PublicKeyHex, Convert.ToHexStringLower(key.PublicKey.Marshal()));
        Assert.Equal(bytes, key.Marshal());
        Assert.Equal(Ed25519PeerId, key.PeerId.ToString());
    }

    [Fact]
    public void Sign_Ed25519_VerifiesAndRejectsTampering()
    {
        var key = Ed25519PrivateKey.Generate();
        var data = "libp2p"u8.ToArray();

        var signature = key.Sign(data);

        Assert.True(key.PublicKey.Verify(data, signature));
        signature[5] ^= 1;
        Assert.False(key.PublicKey.Verify(data, signature));
        Assert.False(key.PublicKey.Verify(data, signature.AsSpan(1)));
    }

    [Theory]
    [InlineData(Ed25519PeerId)]
    [InlineData("QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N")]
    [InlineData("12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA")]
    public void Parse_Base58_PrintsBack(string text)
    {
        var peerId = PeerId.Parse(text);

        Assert.Equal(text, peerId.ToString());
        Assert.Equal(peerId, PeerId.Parse(peerId.ToCidString()));
        Assert.Equal(peerId, PeerId.Parse(peerId.ToCidString(MultibaseEncoding.Base36Lower)));
    }

    [Fact]
    public void Parse_SpecCid_IsSha256PeerId()
    {
        var peerId = PeerId.Parse("bafzbeie5745rpv2m6tjyuugywy4d5ewrqgqqhfnf445he3omzpjbx5xqxe");

        Assert.Equal("QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N", peerId.ToString());
        Assert.Equal("bafzbeie5745rpv2m6tjyuugywy4d5ewrqgqqhfnf445he3omzpjbx5xqxe", peerId.ToCidString());
        Assert.Null(peerId.TryExtractPublicKey());
    }

    [Theory]
    [InlineData("")]
    [InlineData("1")]
    [InlineData("Qm")]
    [InlineData("QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5")]
    [InlineData("12D3KooWBtg3aaRMjxwedh83aGiUkwSxDwUZkzuJcfaqUmo7R3p0")]
    [InlineData("bafkreibm6jg3ux5qumhcn2b3flc3tyu6dmlb4xa7u5bf44yegnrjhc4yeq")]
    [InlineData("xyz")]
    public void Parse_NotAPeerId_ThrowsFormatException(string text)
    {
        Assert.Throws<LibP2pFormatException>(() => PeerId.Parse(text));
        Assert.False(PeerId.TryParse(text, out _));
    }
}
