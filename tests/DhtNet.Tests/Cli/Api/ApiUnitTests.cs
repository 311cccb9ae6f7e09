using DhtNet.Cli;
using DhtNet.Cli.Api;

namespace DhtNet.Tests.Cli.Api;

public sealed class ApiUnitTests
{
    [Theory]
    [InlineData("500ms", 500)]
    [InlineData("30s", 30_000)]
    [InlineData("1m30s", 90_000)]
    [InlineData("1.5s", 1_500)]
    [InlineData("2500", 2_500)]
    [InlineData("1h", 3_600_000)]
    [InlineData("250us", 0.25)]
    public void TryParseDuration_GoDurations_Parsed(string text, double milliseconds)
    {
        Assert.True(ApiArguments.TryParseDuration(text, out var duration));
        Assert.Equal(milliseconds, duration.TotalMilliseconds, 3);
    }

    [Theory]
    [InlineData("")]
    [InlineData("s")]
    [InlineData("10")]
    [InlineData("1d")]
    [InlineData("ms")]
    [InlineData("1s2")]
    [InlineData("1e9h")]
    public void TryParseDuration_Malformed_False(string text)
    {
        // "10" is a bare millisecond count, so it parses; all others must not.
        Assert.Equal(text == "10", ApiArguments.TryParseDuration(text, out _));
    }

    [Fact]
    public void PeerId_RoundTrips_AndParsesAsLibp2pCid()
    {
        var id = NodeId.Random(new Random(3));

        string text = MainlineNames.PeerId(id);

        Assert.StartsWith("bafz", text);
        Assert.True(MainlineNames.TryParseNode(text, out var back));
        Assert.Equal(id, back);
        Assert.False(MainlineNames.TryParseInfohash(text, out _));
        Assert.True(MainlineNames.TryParseNode(MainlineNames.Base58PeerId(text), out var fromBase58));
        Assert.Equal(id, fromBase58);
    }

    [Fact]
    public void TryParseInfohash_Sha1CidAnyCodec_Parsed()
    {
        var id = NodeId.Random(new Random(4));
        byte[] raw = [0x01, 0x55, 0x11, 0x14, .. id.ToArray()];
        byte[] dagPb = [0x01, 0x70, 0x11, 0x14, .. id.ToArray()];
        byte[] twoByteCodec = [0x01, 0x90, 0x03, 0x11, 0x14, .. id.ToArray()];

        foreach (var bytes in new[] { raw, dagPb, twoByteCodec })
        {
            Assert.True(MainlineNames.TryParseInfohash("b" + SimpleBase.Base32.Rfc4648.Encode(bytes, padding: false).ToLowerInvariant(), out var parsed));
            Assert.Equal(id, parsed);
        }
    }

    [Theory]
    [InlineData("bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy")] // sha2-256
    [InlineData("b")]
    [InlineData("bAFK")]
    [InlineData("b11111111")]
    [InlineData("QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG")]
    public void TryParseInfohash_NotSha1_False(string text) => Assert.False(MainlineNames.TryParseInfohash(text, out _));

    [Fact]
    public void ItemValues_WrapUnwrap_RoundTrip()
    {
        byte[] value = [1, 2, 3, (byte)':'];

        Assert.Equal(value, ItemValues.Unwrap(ItemValues.Wrap(value)).ToArray());
        Assert.Equal("i5e"u8.ToArray(), ItemValues.Unwrap("i5e"u8).ToArray());
        Assert.Equal("5:ab"u8.ToArray(), ItemValues.Unwrap("5:ab"u8).ToArray());
    }

    [Theory]
    [InlineData("none", null)]
    [InlineData("127.0.0.1:0", "127.0.0.1:0")]
    [InlineData("localhost:5001", "127.0.0.1:5001")]
    [InlineData("[::1]:5002", "[::1]:5002")]
    public void ApiSettings_Loopback_NoTokenNeeded(string text, string? expected) =>
        Assert.Equal(expected, ApiSettings.Parse("--api", text, "--api-token", null)?.EndPoint.ToString());

    [Theory]
    [InlineData("0.0.0.0:5001", null, "--api-token")]
    [InlineData("10.1.2.3:5001", "short", "--api-token")]
    [InlineData("example.org:5001", null, "--api")]
    [InlineData("127.0.0.1:70000", null, "--api")]
    [InlineData("127.0.0.1", null, "--api")]
    [InlineData("::1:5001", null, "--api")]
    public void ApiSettings_Refused_NamesTheOption(string text, string? token, string named)
    {
        var e = Assert.Throws<DhtNet.Cli.Input.CliException>(() => ApiSettings.Parse("--api", text, "--api-token", token));
        Assert.Contains(named, e.Message);
    }
}
