using System.Net;

namespace DhtNet.Tests.LibP2p.Host;

/// <summary>
/// A wildcard listen address turned into the addresses a host advertises, over given interface lists (so the
/// rules hold whatever interfaces the test machine has): same family only, link-local left out, loopback last.
/// </summary>
public sealed class UnspecifiedAddressesTests
{
    // A machine with a routable and a loopback address in each family, plus link-local ones.
    private static readonly string[] DualStack = ["127.0.0.1", "192.0.2.2", "169.254.7.1", "::1", "fd00::2", "2001:db8::5", "fe80::fc:ff:fe00:1"];

    [Theory]
    [InlineData("/ip4/0.0.0.0/tcp/4001", "/ip4/192.0.2.2/tcp/4001 /ip4/127.0.0.1/tcp/4001")]
    [InlineData("/ip6/::/tcp/4002", "/ip6/fd00::2/tcp/4002 /ip6/2001:db8::5/tcp/4002 /ip6/::1/tcp/4002")]
    [InlineData("/ip4/0.0.0.0/tcp/1 /ip6/::/tcp/2", "/ip4/192.0.2.2/tcp/1 /ip6/fd00::2/tcp/2 /ip6/2001:db8::5/tcp/2 /ip4/127.0.0.1/tcp/1 /ip6/::1/tcp/2")]
    [InlineData("/ip4/192.0.2.9/tcp/7 /ip6/::1/tcp/8", "/ip4/192.0.2.9/tcp/7 /ip6/::1/tcp/8")]
    [InlineData("/ip4/127.0.0.1/tcp/3 /ip4/0.0.0.0/tcp/4", "/ip4/192.0.2.2/tcp/4 /ip4/127.0.0.1/tcp/3 /ip4/127.0.0.1/tcp/4")]
    [InlineData("/ip4/192.0.2.2/tcp/5 /ip4/0.0.0.0/tcp/5", "/ip4/192.0.2.2/tcp/5 /ip4/127.0.0.1/tcp/5")]
    public void Resolve_DualStackMachine_WildcardBecomesItsFamilysAddresses(string listening, string expected)
    {
        Assert.Equal(Addresses(expected), UnspecifiedAddresses.Resolve(Addresses(listening), Ips(DualStack)));
    }

    [Theory]
    [InlineData("/ip4/0.0.0.0/tcp/4001", "127.0.0.1 ::1", "/ip4/127.0.0.1/tcp/4001")]
    [InlineData("/ip6/::/tcp/4001", "127.0.0.1 192.0.2.2", "")]
    [InlineData("/ip6/::/tcp/4001", "127.0.0.1 fe80::1", "")]
    [InlineData("/ip4/0.0.0.0/tcp/4001", "", "")]
    [InlineData("/ip4/0.0.0.0/tcp/4001 /ip4/192.0.2.9/tcp/9", "::1", "/ip4/192.0.2.9/tcp/9")]
    [InlineData("/ip4/0.0.0.0/tcp/4001", "::ffff:192.0.2.3 192.0.2.3", "/ip4/192.0.2.3/tcp/4001")]
    [InlineData("/ip4/0.0.0.0/tcp/4001", "0.0.0.0 224.0.0.1 169.254.1.1 10.0.0.1", "/ip4/10.0.0.1/tcp/4001")]
    public void Resolve_FewOrOddInterfaces_NeverTheWildcardItself(string listening, string interfaces, string expected)
    {
        var resolved = UnspecifiedAddresses.Resolve(Addresses(listening), Ips(interfaces.Split(' ', StringSplitOptions.RemoveEmptyEntries)));
        Assert.Equal(Addresses(expected), resolved);
        Assert.DoesNotContain(resolved, UnspecifiedAddresses.IsUnspecified);
    }

    [Fact]
    public void Resolve_ManyInterfaces_AtMostSixteenRoutableFirst()
    {
        var interfaces = Enumerable.Range(1, 40).Select(i => IPAddress.Parse($"10.0.{i}.1")).Prepend(IPAddress.Loopback).ToArray();
        var resolved = UnspecifiedAddresses.Resolve(Addresses("/ip4/0.0.0.0/tcp/4001"), interfaces);
        Assert.Equal(UnspecifiedAddresses.Max, resolved.Count);
        Assert.Equal(Multiaddr.Parse("/ip4/10.0.1.1/tcp/4001"), resolved[0]);
        Assert.Equal(Multiaddr.Parse("/ip4/10.0.16.1/tcp/4001"), resolved[^1]);
    }

    [Theory]
    [InlineData("/ip4/0.0.0.0/tcp/1", true)]
    [InlineData("/ip6/::/tcp/1", true)]
    [InlineData("/ip6/::ffff:0.0.0.0/tcp/1", true)]
    [InlineData("/ip4/0.0.0.0/udp/1/quic-v1", true)]
    [InlineData("/ip4/127.0.0.1/tcp/1", false)]
    [InlineData("/ip6/::1/tcp/1", false)]
    [InlineData("/ip4/0.0.0.1/tcp/1", false)]
    [InlineData("/dns4/localhost/tcp/1", false)]
    public void IsUnspecified_Address_TrueOnlyForTheWildcards(string address, bool expected)
    {
        Assert.Equal(expected, UnspecifiedAddresses.IsUnspecified(Multiaddr.Parse(address)));
    }

    [Fact]
    public void WithoutUnspecified_PeerAdvertisedWildcards_OnlyDialableLeft()
    {
        var clean = Addresses("/ip4/192.0.2.2/tcp/1 /ip6/::1/tcp/2");
        Assert.Same(clean, UnspecifiedAddresses.WithoutUnspecified(clean));
        Assert.Equal(clean, UnspecifiedAddresses.WithoutUnspecified(Addresses("/ip4/0.0.0.0/tcp/1 /ip4/192.0.2.2/tcp/1 /ip6/::/tcp/2 /ip6/::1/tcp/2")));
    }

    [Fact]
    public void InterfaceAddresses_ThisMachine_HasItsLoopback()
    {
        Assert.Contains(IPAddress.Loopback, UnspecifiedAddresses.InterfaceAddresses());
    }

    private static Multiaddr[] Addresses(string text) => [.. text.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(Multiaddr.Parse)];

    private static IPAddress[] Ips(IEnumerable<string> text) => [.. text.Select(IPAddress.Parse)];
}
