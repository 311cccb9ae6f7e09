using System.Net;

namespace DhtNet.Tests.Ipfs.Bootstrap;

/// <summary>
/// /dnsaddr/ resolution against a DNS server on 127.0.0.1: TXT entries "dnsaddr=&lt;multiaddr&gt;" under
/// _dnsaddr.&lt;host&gt;, followed recursively within bounds, filtered by the peer id the address ends in.
/// </summary>
public sealed class DnsAddrResolverTests : IAsyncLifetime
{
    private static readonly PeerId PeerA = Ed25519PrivateKey.Generate().PeerId;
    private static readonly PeerId PeerB = Ed25519PrivateKey.Generate().PeerId;
    private readonly LocalDnsServer _dns = new();

    public Task InitializeAsync()
    {
        _dns.Add(
            "_dnsaddr.bootstrap.test",
            $"dnsaddr=/ip4/10.0.0.1/tcp/4001/p2p/{PeerA}",
            $"dnsaddr=/ip4/10.0.0.2/tcp/4001/p2p/{PeerB}",
            $"dnsaddr=/dnsaddr/a.nested.test/p2p/{PeerA}",
            "not-a-dnsaddr-entry",
            "dnsaddr=not a multiaddr",
            "v=spf1 -all");
        _dns.Add("_dnsaddr.a.nested.test", $"dnsaddr=/ip6/::1/tcp/4001/p2p/{PeerA}", $"dnsaddr=/ip4/10.0.0.3/udp/4001/quic-v1/p2p/{PeerA}");
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _dns.DisposeAsync();

    [Fact]
    public async Task ResolveAsync_DnsAddrEndingInPeerId_KeepsThatPeersEntriesAtEveryLevel()
    {
        var resolved = await Resolver().ResolveAsync(Multiaddr.Parse($"/dnsaddr/bootstrap.test/p2p/{PeerA}"));

        Assert.Equal(
            [$"/ip4/10.0.0.1/tcp/4001/p2p/{PeerA}", $"/ip6/::1/tcp/4001/p2p/{PeerA}", $"/ip4/10.0.0.3/udp/4001/quic-v1/p2p/{PeerA}"],
            resolved.Select(a => a.ToString()));
    }

    [Fact]
    public async Task ResolveAsync_DnsAddrWithoutPeerId_KeepsEveryEntryAndSkipsJunk()
    {
        var resolved = await Resolver().ResolveAsync(Multiaddr.Parse("/dnsaddr/bootstrap.test"));

        Assert.Equal(4, resolved.Count);
        Assert.Contains(resolved, a => a.PeerId == PeerB);
        Assert.DoesNotContain(resolved, DnsAddrResolver.IsDnsAddr);
    }

    [Fact]
    public async Task ResolveAsync_NotADnsAddr_ReturnsItWithoutAsking()
    {
        var address = Multiaddr.Parse($"/ip4/127.0.0.1/tcp/4001/p2p/{PeerA}");

        Assert.Equal([address], await Resolver().ResolveAsync(address));
        Assert.Equal(0, _dns.UdpQueries);
    }

    [Fact]
    public async Task ResolveAllAsync_SameHostForSeveralPeers_AsksOnceAndGroupsIntoDialablePeers()
    {
        var resolved = await Resolver().ResolveAllAsync([Multiaddr.Parse($"/dnsaddr/bootstrap.test/p2p/{PeerA}"), Multiaddr.Parse($"/dnsaddr/bootstrap.test/p2p/{PeerB}")]);
        var peers = AminoBootstrap.DialablePeers(resolved);

        Assert.Equal(2, _dns.UdpQueries); // bootstrap.test and a.nested.test, each once
        Assert.Equal([PeerA, PeerB], peers.Select(p => p.Id));
        Assert.Equal(["/ip4/10.0.0.1/tcp/4001", "/ip6/::1/tcp/4001"], peers[0].Multiaddrs.Select(a => a.ToString()));
        Assert.Equal(["/ip4/10.0.0.2/tcp/4001"], peers[1].Multiaddrs.Select(a => a.ToString()));
    }

    [Fact]
    public async Task ResolveAsync_EntriesNameEachOtherInALoop_StopsWithinTheDepthBound()
    {
        _dns.Add("_dnsaddr.loop-a.test", "dnsaddr=/dnsaddr/loop-b.test", $"dnsaddr=/ip4/10.0.0.9/tcp/1/p2p/{PeerA}");
        _dns.Add("_dnsaddr.loop-b.test", "dnsaddr=/dnsaddr/loop-a.test");

        var resolved = await Resolver().ResolveAsync(Multiaddr.Parse("/dnsaddr/loop-a.test"));

        Assert.Equal([$"/ip4/10.0.0.9/tcp/1/p2p/{PeerA}"], resolved.Select(a => a.ToString()));
        Assert.Equal(2, _dns.UdpQueries);
    }

    [Fact]
    public async Task ResolveAsync_DeeperThanMaxDepth_LevelsBeyondAreNotAsked()
    {
        for (int level = 1; level <= 6; level++)
        {
            _dns.Add($"_dnsaddr.level{level}.test", $"dnsaddr=/ip4/10.0.1.{level}/tcp/1/p2p/{PeerA}", $"dnsaddr=/dnsaddr/level{level + 1}.test");
        }

        var resolved = await Resolver(new DnsAddrResolverOptions { NameServer = _dns.EndPoint, MaxDepth = 3 }).ResolveAsync(Multiaddr.Parse("/dnsaddr/level1.test"));

        Assert.Equal(["/ip4/10.0.1.1/tcp/1", "/ip4/10.0.1.2/tcp/1", "/ip4/10.0.1.3/tcp/1"], resolved.Select(a => a.WithoutPeerId().ToString()));
        Assert.Equal(3, _dns.UdpQueries);
    }

    [Fact]
    public async Task ResolveAsync_MoreEntriesThanMaxAddresses_ReturnsTheFirstOnes()
    {
        _dns.Add("_dnsaddr.many.test", [.. Enumerable.Range(0, 100).Select(i => $"dnsaddr=/ip4/10.0.2.{i}/tcp/4001/p2p/{PeerA}")]);

        var resolved = await Resolver(new DnsAddrResolverOptions { NameServer = _dns.EndPoint, MaxAddresses = 10 }).ResolveAsync(Multiaddr.Parse("/dnsaddr/many.test"));

        Assert.Equal(10, resolved.Count);
        Assert.Equal("/ip4/10.0.2.0/tcp/4001", resolved[0].WithoutPeerId().ToString());
    }

    [Fact]
    public async Task ResolveAsync_UdpAnswerTruncated_AsksAgainOverTcp()
    {
        _dns.TruncateUdp = true;

        var resolved = await Resolver().ResolveAsync(Multiaddr.Parse($"/dnsaddr/bootstrap.test/p2p/{PeerB}"));

        Assert.Equal([$"/ip4/10.0.0.2/tcp/4001/p2p/{PeerB}"], resolved.Select(a => a.ToString()));
        Assert.Equal(1, _dns.UdpQueries);
        Assert.Equal(1, _dns.TcpQueries);
    }

    [Fact]
    public async Task ResolveAsync_UnknownName_ResolvesToNothing()
    {
        Assert.Empty(await Resolver().ResolveAsync(Multiaddr.Parse("/dnsaddr/nowhere.test")));
    }

    [Fact]
    public async Task ResolveAsync_ServerFailure_ThrowsNamingTheName()
    {
        _dns.ResponseCode = 2;

        var error = await Assert.ThrowsAsync<DnsAddrException>(() => Resolver().ResolveAsync(Multiaddr.Parse("/dnsaddr/bootstrap.test")));

        Assert.Contains("_dnsaddr.bootstrap.test", error.Message);
        Assert.Contains("error code 2", error.Message);
    }

    [Fact]
    public async Task ResolveAsync_SilentServer_ThrowsAfterTheQueryTimeout()
    {
        _dns.Silent = true;

        var error = await Assert.ThrowsAsync<DnsAddrException>(() =>
            Resolver(new DnsAddrResolverOptions { NameServer = _dns.EndPoint, QueryTimeout = TimeSpan.FromMilliseconds(300) }).ResolveAsync(Multiaddr.Parse("/dnsaddr/bootstrap.test")));

        Assert.Contains("no answer", error.Message);
    }

    [Fact]
    public async Task ResolveAllAsync_OneNameFails_ReportsItAndKeepsTheOthers()
    {
        var failures = new List<Multiaddr>();
        var resolved = await Resolver().ResolveAllAsync(
            [Multiaddr.Parse("/dnsaddr/bad_name..test"), Multiaddr.Parse($"/dnsaddr/bootstrap.test/p2p/{PeerB}")],
            (address, _) => failures.Add(address));

        Assert.Equal(["/dnsaddr/bad_name..test"], failures.Select(a => a.ToString()));
        Assert.Equal([PeerB], resolved.Select(a => a.PeerId!.Value));
    }

    [Fact]
    public void ParseTxt_ReplyCutAtEveryOffset_ThrowsOnlyDnsAddrException()
    {
        byte[] reply = Reply(0x1234, ["dnsaddr=/ip4/1.2.3.4/tcp/1", "second"]);
        Assert.Equal(["dnsaddr=/ip4/1.2.3.4/tcp/1", "second"], DnsTxtClient.ParseTxt(reply, 0x1234, "x.test"));

        for (int length = 0; length < reply.Length; length++)
        {
            Assert.Throws<DnsAddrException>(() => DnsTxtClient.ParseTxt(reply.AsSpan(0, length), 0x1234, "x.test"));
        }
    }

    [Theory]
    [InlineData(0x1235, 0x8180, "not a reply to our query")] // another id
    [InlineData(0x1234, 0x0100, "not a reply to our query")] // a query, not a reply
    [InlineData(0x1234, 0x8185, "error code 5")] // REFUSED
    public void ParseTxt_NotOurSuccessfulReply_Throws(int id, int flags, string message)
    {
        byte[] reply = Reply((ushort)id, ["x"]);
        reply[2] = (byte)(flags >> 8);
        reply[3] = (byte)flags;

        Assert.Contains(message, Assert.Throws<DnsAddrException>(() => DnsTxtClient.ParseTxt(reply, 0x1234, "x.test")).Message);
    }

    [Fact]
    public void ParseTxt_LabelOfUnknownKind_Throws()
    {
        byte[] reply = Reply(1, ["x"]);
        reply[12] = 0x80;

        Assert.Contains("unknown kind", Assert.Throws<DnsAddrException>(() => DnsTxtClient.ParseTxt(reply, 1, "x.test")).Message);
    }

    [Theory]
    [InlineData("")]
    [InlineData("a..b")]
    [InlineData("bücher.test")]
    public void EncodeQuery_NotADnsName_Throws(string name)
    {
        Assert.Throws<DnsAddrException>(() => DnsTxtClient.EncodeQuery(1, name));
    }

    [Fact]
    public void SystemNameServer_ResolvConf_TakesTheFirstNameserver()
    {
        string path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, "# generated\nsearch example.test\nnameserver\tfe80::1%eth0\nnameserver 192.0.2.53\n");
            Assert.Equal(new IPEndPoint(IPAddress.Parse("fe80::1"), 53), DnsAddrResolver.SystemNameServer(path));

            File.WriteAllText(path, "options ndots:1\n");
            Assert.Null(DnsAddrResolver.SystemNameServer(path));
        }
        finally
        {
            File.Delete(path);
        }

        Assert.Null(DnsAddrResolver.SystemNameServer("/nonexistent/resolv.conf"));
    }

    [Fact]
    public void AminoBootstrap_Peers_AreKubosListWithPeerIds()
    {
        Assert.Equal(5, AminoBootstrap.Peers.Count);
        Assert.All(AminoBootstrap.Peers, p => Assert.NotNull(p.PeerId));
        Assert.Equal(4, AminoBootstrap.Peers.Count(DnsAddrResolver.IsDnsAddr));

        // Only mars.i.ipfs.io is dialable without DNS.
        var mars = Assert.Single(AminoBootstrap.DialablePeers(AminoBootstrap.Peers));
        Assert.Equal("QmaCpDMGvV2BGHeYERUEnRQAwe3N8SzbUtfsmvsqQLuvuJ", mars.Id.ToString());
        Assert.Equal(["/ip4/104.131.131.82/tcp/4001"], mars.Multiaddrs.Select(a => a.ToString()));
    }

    private DnsAddrResolver Resolver(DnsAddrResolverOptions? options = null) => new(options ?? new DnsAddrResolverOptions { NameServer = _dns.EndPoint });

    /// <summary>A reply to a TXT query for "x.test" with one record per text, names compressed as servers write them.</summary>
    private static byte[] Reply(ushort id, string[] texts)
    {
        var reply = new List<byte> { (byte)(id >> 8), (byte)id, 0x81, 0x80, 0, 1, 0, (byte)texts.Length, 0, 0, 0, 0 };
        reply.AddRange([1, (byte)'x', 4, (byte)'t', (byte)'e', (byte)'s', (byte)'t', 0, 0, 16, 0, 1]);
        foreach (string text in texts)
        {
            reply.AddRange([0xC0, 12, 0, 16, 0, 1, 0, 0, 0, 60, 0, (byte)(text.Length + 1), (byte)text.Length]);
            reply.AddRange(System.Text.Encoding.ASCII.GetBytes(text));
        }

        return [.. reply];
    }
}
