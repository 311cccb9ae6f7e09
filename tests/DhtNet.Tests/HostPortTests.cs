namespace DhtNet.Tests;

public class HostPortTests
{
    [Theory]
    [InlineData("router.bittorrent.com:6881", "router.bittorrent.com", 6881)]
    [InlineData("127.0.0.1:1", "127.0.0.1", 1)]
    [InlineData("[::1]:65535", "::1", 65535)]
    public void Parse_ValidText_GivesHostAndPort(string text, string host, int port)
    {
        Assert.Equal(new HostPort(host, port), HostPort.Parse(text));
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("host", "host:port")]
    [InlineData("host:", "host:port")]
    [InlineData("host:0", "port must be 1..65535")]
    [InlineData("host:65536", "port must be 1..65535")]
    [InlineData("host:-1", "port must be 1..65535")]
    [InlineData("::1:6881", "brackets")]
    public void Parse_BadText_ThrowsNamingArgument(string text, string expected)
    {
        var error = Assert.Throws<ArgumentException>(() => HostPort.Parse(text, "bootstrap"));
        Assert.Contains(expected, error.Message);
        Assert.Equal("bootstrap", error.ParamName);
    }

    [Fact]
    public async Task ResolveAsync_Literal_NeedsNoDns()
    {
        var endPoints = await HostPort.Parse("[::1]:7000").ResolveAsync();
        Assert.Equal("[::1]:7000", Assert.Single(endPoints).ToString());
    }
}
