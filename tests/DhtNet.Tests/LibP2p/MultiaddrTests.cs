using System.Net;

namespace DhtNet.Tests.LibP2p;

public class MultiaddrTests
{
    [Theory]
    [MemberData(nameof(JsVectors.Multiaddrs), MemberType = typeof(JsVectors))]
    public void Parse_JsVector_SameBytesAndText(string text, string hex, string canonical)
    {
        if (text.Contains("/http-path/", StringComparison.Ordinal))
        {
            // js puts a '/' before the http-path value in binary; go and this library do not (Vectors/README.md).
            Assert.Equal("/foo/bar"u8.ToArray(), Multiaddr.FromBytes(Convert.FromHexString(hex)).Components[^1].Value.ToArray());
            Assert.Equal("foo/bar"u8.ToArray(), Multiaddr.Parse(text).Components[^1].Value.ToArray());
            return;
        }

        var multiaddr = Multiaddr.Parse(text);
        var fromBytes = Multiaddr.FromBytes(Convert.FromHexString(hex));

        Assert.Equal(hex, Convert.ToHexStringLower(multiaddr.ToBytes()));
        Assert.Equal(multiaddr, fromBytes);
        // js writes an IPv4-mapped ip6 as ::ffff:102:304; .NET and go write ::ffff:1.2.3.4 (Vectors/README.md).
        if (!text.Contains("::ffff:", StringComparison.Ordinal))
        {
            Assert.Equal(canonical, multiaddr.ToString());
            Assert.Equal(canonical, fromBytes.ToString());
        }

        Assert.Equal(multiaddr, Multiaddr.Parse(multiaddr.ToString()));
    }

    [Theory]
    [InlineData("/ip4/1.2.3.4/tcp/4001", "1.2.3.4:4001")]
    [InlineData("/ip6/::1/tcp/80", "[::1]:80")]
    [InlineData("/ip4/1.2.3.4/tcp/4001/p2p/12D3KooWBtg3aaRMjxwedh83aGiUkwSxDwUZkzuJcfaqUmo7R3pq", "1.2.3.4:4001")]
    public void TryGetTcpEndPoint_PlainTcp_ReturnsEndPoint(string text, string endPoint)
    {
        Assert.True(Multiaddr.Parse(text).TryGetTcpEndPoint(out var result));
        Assert.Equal(IPEndPoint.Parse(endPoint), result);
    }

    [Theory]
    [InlineData("/ip4/1.2.3.4/udp/4001/quic-v1")]
    [InlineData("/ip4/1.2.3.4/tcp/443/wss")]
    [InlineData("/dns4/example.com/tcp/443")]
    [InlineData("/ip4/1.2.3.4")]
    public void TryGetTcpEndPoint_NotPlainTcp_False(string text)
    {
        Assert.False(Multiaddr.Parse(text).TryGetTcpEndPoint(out _));
    }

    [Fact]
    public void FromTcpEndPoint_MappedIPv4_IsIp4()
    {
        var multiaddr = Multiaddr.FromTcpEndPoint(new IPEndPoint(IPAddress.Parse("::ffff:10.0.0.1"), 4001));

        Assert.Equal("/ip4/10.0.0.1/tcp/4001", multiaddr.ToString());
        Assert.Equal("/ip6/2001:db8::1/tcp/1", Multiaddr.FromTcpEndPoint(IPEndPoint.Parse("[2001:db8::1]:1")).ToString());
    }

    [Fact]
    public void WithPeerId_AppendsOrReplaces_WithoutPeerIdRemoves()
    {
        var a = PeerId.Parse("12D3KooWBtg3aaRMjxwedh83aGiUkwSxDwUZkzuJcfaqUmo7R3pq");
        var b = PeerId.Parse("QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N");
        var tcp = Multiaddr.Parse("/ip4/1.2.3.4/tcp/4001");

        var withA = tcp.WithPeerId(a);

        Assert.Null(tcp.PeerId);
        Assert.Equal(a, withA.PeerId);
        Assert.Equal($"/ip4/1.2.3.4/tcp/4001/p2p/{a}", withA.ToString());
        Assert.Equal($"/ip4/1.2.3.4/tcp/4001/p2p/{b}", withA.WithPeerId(b).ToString());
        Assert.Same(withA, withA.WithPeerId(a));
        Assert.Equal(tcp, withA.WithoutPeerId());
        Assert.Null(Multiaddr.Parse($"/p2p/{a}/p2p-circuit").PeerId);
    }

    [Fact]
    public void Parse_P2pAsCid_WrittenAsBase58()
    {
        var multiaddr = Multiaddr.Parse("/p2p/bafzbeie5745rpv2m6tjyuugywy4d5ewrqgqqhfnf445he3omzpjbx5xqxe");

        Assert.Equal("/p2p/QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N", multiaddr.ToString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("ip4/1.2.3.4")]
    [InlineData("/ip4")]
    [InlineData("/ip4/1.2.3")]
    [InlineData("/ip4/01.2.3.4")]
    [InlineData("/ip4/256.2.3.4")]
    [InlineData("/ip4/::1")]
    [InlineData("/ip6/1.2.3.4")]
    [InlineData("/ip6/fe80::1%eth0")]
    [InlineData("/tcp/65536")]
    [InlineData("/tcp/-1")]
    [InlineData("/tcp/+1")]
    [InlineData("/udp/")]
    [InlineData("/foo/1")]
    [InlineData("//ip4/1.2.3.4")]
    [InlineData("/dns4/")]
    [InlineData("/p2p/QmNotAPeer")]
    [InlineData("/p2p/bafkreibm6jg3ux5qumhcn2b3flc3tyu6dmlb4xa7u5bf44yegnrjhc4yeq")]
    [InlineData("/onion/timaq4ygg2iegci7:0")]
    [InlineData("/onion/timaq4ygg2iegci:80")]
    [InlineData("/certhash/uEiDDqw")]
    [InlineData("/unix/%zz")]
    [InlineData("/ipcidr/256")]
    public void Parse_Invalid_ThrowsFormatException(string text)
    {
        Assert.Throws<LibP2pFormatException>(() => Multiaddr.Parse(text));
        Assert.False(Multiaddr.TryParse(text, out _));
    }

    [Theory]
    [InlineData("7f")] // unknown code 127
    [InlineData("04010203")] // ip4 of 3 bytes
    [InlineData("0601")] // tcp of 1 byte
    [InlineData("3504")] // dns4 declares 4 bytes, has none
    [InlineData("3500")] // empty dns4
    [InlineData("35012f")] // dns4 "/"
    [InlineData("3502c328")] // dns4 that is not UTF-8
    [InlineData("a503020102")] // p2p that is not a peer id multihash
    [InlineData("0480")] // code varint truncated
    public void FromBytes_Invalid_ThrowsFormatException(string hex)
    {
        Assert.Throws<LibP2pFormatException>(() => Multiaddr.FromBytes(Convert.FromHexString(hex)));
    }
}
