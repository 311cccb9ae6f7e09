using System.Text;
using DhtNet.Interop.Tests.Harness;
using DhtNet.Interop.Tests.LibP2p;
using DhtNet.Kademlia;

namespace DhtNet.Interop.Tests.Ipfs;

/// <summary>
/// A mixed IPFS DHT of three DhtNet nodes and three js-libp2p + @libp2p/kad-dht 16.4.5 nodes on 127.0.0.1:
/// every operation in both directions, and js's queries to DhtNet met with no errors.
/// </summary>
public sealed class JsKadDhtInteropTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly List<JsLibp2pPeer> _js = [];
    private readonly List<(LibP2pHost Host, IpfsDhtNode Node, Ed25519PrivateKey Key)> _ours = [];

    public async Task InitializeAsync()
    {
        for (int i = 0; i < 3; i++)
        {
            _js.Add(await JsKadDht.StartAsync());
        }

        for (int i = 0; i < 3; i++)
        {
            var key = Ed25519PrivateKey.Generate();
            var host = new LibP2pHost(key, new LibP2pHostOptions { ListenAddresses = [Multiaddr.Parse("/ip4/127.0.0.1/tcp/0")] });
            var messenger = new LibP2pKadMessenger(host);
            var node = new IpfsDhtNode(messenger, new IpfsDhtNodeOptions { LookupSoftTimeout = TimeSpan.FromSeconds(1) });
            messenger.Serve(node);
            await host.StartAsync();
            _ours.Add((host, node, key));
        }

        // js 2 and 3 join through js 1; each DhtNet node bootstraps through js 1 and is dialled by js 2.
        await _js[1].DialAsync(_js[0].Addresses[0]);
        await _js[2].DialAsync(_js[0].Addresses[0]);
        foreach (var (host, node, _) in _ours)
        {
            await node.BootstrapAsync([new PeerInfo(_js[0].PeerId, [_js[0].Addresses[0].WithoutPeerId()])]);
            await _js[1].DialAsync(host.ListenAddresses[0].WithPeerId(host.PeerId));
        }

        // Until every table holds every other node (six nodes, all within k): js adds a peer once identify
        // lists /ipfs/kad/1.0.0, DhtNet once identify or an answer shows it serves the DHT.
        var all = AllPeers();
        using var deadline = new CancellationTokenSource(Patience);
        foreach (var (_, node, _) in _ours)
        {
            await node.BootstrapAsync();
        }

        while (true)
        {
            bool full = true;
            foreach (var js in _js)
            {
                full &= (await js.TableAsync()).Count >= 3;
            }

            foreach (var (_, node, _) in _ours)
            {
                full &= node.Table.Count >= 3;
            }

            if (full)
            {
                break;
            }

            deadline.Token.ThrowIfCancellationRequested();
            // Each pass is real work (a bootstrap lookup per node, a table read per js node), so the loop
            // needs no pause of its own.
            foreach (var (_, node, _) in _ours)
            {
                await node.BootstrapAsync([.. _js.Select(j => new PeerInfo(j.PeerId, [j.Addresses[0].WithoutPeerId()]))], deadline.Token);
            }
        }

        Assert.Equal(6, all.Count);
    }

    public async Task DisposeAsync()
    {
        foreach (var (host, node, _) in _ours)
        {
            node.Dispose();
            await host.DisposeAsync();
        }

        foreach (var js in _js)
        {
            await js.DisposeAsync();
        }
    }

    private List<PeerId> AllPeers() => [.. _js.Select(j => j.PeerId), .. _ours.Select(o => o.Host.PeerId)];

    private HashSet<string> OurIds() => _ours.Select(o => o.Host.PeerId.ToString()).ToHashSet();

    private void AssertNoErrorsFromUs(JsQueryResult result)
    {
        var ours = OurIds();
        Assert.DoesNotContain(result.Errors, e => ours.Contains(e.From));
    }

    [Fact]
    public async Task Providers_BothWays_FoundWithAddresses()
    {
        var ours = Cid.Hash("provided by DhtNet"u8);
        Assert.True(await _ours[0].Node.ProvideAsync(ours) > 0);
        var found = await _js[2].FindProvidersAsync(ours);
        AssertNoErrorsFromUs(found);
        var provider = Assert.Single(found.Providers.DistinctBy(p => p.Id), p => p.Id == _ours[0].Host.PeerId);
        Assert.Contains(_ours[0].Host.ListenAddresses[0], provider.Multiaddrs);

        var theirs = Cid.Hash("provided by js"u8);
        AssertNoErrorsFromUs(await _js[1].ProvideAsync(theirs));
        var providers = new List<PeerInfo>();
        await foreach (var p in _ours[2].Node.FindProvidersAsync(theirs, 1, Patience))
        {
            providers.Add(p);
        }

        var jsProvider = Assert.Single(providers);
        Assert.Equal(_js[1].PeerId, jsProvider.Id);
        Assert.Contains(_js[1].Addresses[0].WithoutPeerId(), jsProvider.Multiaddrs);
    }

    [Fact]
    public async Task PublicKeyRecords_BothWays_GetReturnsThePutValue()
    {
        var ourKey = PublicKeyRecordValidator.KeyFor(_ours[0].Host.PeerId);
        var ourValue = _ours[0].Key.PublicKey.Marshal();
        Assert.True(await _ours[0].Node.PutAsync(ourKey, ourValue) > 0);
        var got = await _js[2].GetAsync(ourKey);
        AssertNoErrorsFromUs(got);
        Assert.Contains(got.Values, v => v.AsSpan().SequenceEqual(ourValue));

        var jsKey = PublicKeyRecordValidator.KeyFor(_js[1].PeerId);
        var jsValue = _js[1].PeerId.TryExtractPublicKey()!.Marshal();
        AssertNoErrorsFromUs(await _js[1].PutAsync(jsKey, jsValue));
        Assert.Equal(jsValue, await _ours[2].Node.GetAsync(jsKey));
    }

    [Fact]
    public async Task IpnsRecords_BothWays_GetReturnsTheRecordValidated()
    {
        // DhtNet signs a V2-only record (signature over the CBOR data, no V1 fields); js's get validates
        // it with the ipns package's validator and selector, and the package reads back what was signed.
        var (_, node, key) = _ours[0];
        var ourKey = IpnsRecord.KeyFor(node.PeerId);
        var validity = DateTimeOffset.UtcNow.AddHours(1);
        var ours = IpnsRecord.Create(key, "/ipfs/bafkqaaa"u8, 5, validity, TimeSpan.FromMinutes(5), v1Compatible: false);
        Assert.True(await node.PutAsync(ourKey, ours) > 0);
        var got = await _js[2].GetAsync(ourKey);
        AssertNoErrorsFromUs(got);
        Assert.Equal(ours, Assert.Single(got.Values));
        var read = await _js[2].InspectIpnsAsync(ourKey, ours);
        Assert.Equal(new JsIpnsRecord("/ipfs/bafkqaaa", 5, Encoding.UTF8.GetString(IpnsRecord.Parse(ours).ValidityText.Span), 300_000_000_000, false), read);

        // js signs one with the ipns package (V1-compatible as helia publishes, and V2-only); DhtNet's get
        // validates it (signature V2, CBOR data matching the V1 fields, name, validity) and returns it.
        foreach (bool v1Compatible in new[] { true, false })
        {
            ulong sequence = v1Compatible ? 7UL : 8UL;
            var (jsKey, theirs) = await _js[1].CreateIpnsAsync($"/ipfs/bafkqaab{sequence}", sequence, TimeSpan.FromHours(1), v1Compatible);
            Assert.Equal(IpnsRecord.KeyFor(_js[1].PeerId), jsKey);
            AssertNoErrorsFromUs(await _js[1].PutAsync(jsKey, theirs));
            var fromDhtNet = await _ours[2].Node.GetAsync(jsKey);
            Assert.Equal(theirs, fromDhtNet);
            var parsed = IpnsRecord.Parse(fromDhtNet);
            Assert.Equal(sequence, parsed.Sequence);
            Assert.Equal($"/ipfs/bafkqaab{sequence}", Encoding.UTF8.GetString(parsed.Value.Span));
            Assert.True(RecordValidator.Default.TryValidate(jsKey, fromDhtNet, DateTimeOffset.UtcNow, out var error), error);
        }

        // A record js signed and DhtNet altered is refused by both.
        var (tamperedKey, tampered) = await _js[0].CreateIpnsAsync("/ipfs/bafkqaac", 1, TimeSpan.FromHours(1), v1Compatible: false);
        tampered[^1] ^= 1;
        Assert.False(RecordValidator.Default.TryValidate(tamperedKey, tampered, DateTimeOffset.UtcNow, out _));
        await Assert.ThrowsAsync<PeerCommandException>(() => _js[0].InspectIpnsAsync(tamperedKey, tampered));
    }

    [Fact]
    public async Task FindPeer_BothWays_ReturnsItsAddress()
    {
        var js = await _ours[1].Node.FindPeerAsync(_js[2].PeerId);
        Assert.NotNull(js);
        Assert.Contains(_js[2].Addresses[0].WithoutPeerId(), js.Multiaddrs);

        var target = _ours[2].Host;
        var found = await _js[0].FindPeerAsync(target.PeerId);
        AssertNoErrorsFromUs(found);
        var peer = Assert.Single(found.Peers.DistinctBy(p => p.Id), p => p.Id == target.PeerId);
        Assert.Contains(target.ListenAddresses[0], peer.Multiaddrs);
    }

    [Fact]
    public async Task FindPeer_DhtNetNodeOnWildcard_JsDialsEveryAddressItLearned()
    {
        // A DhtNet node bound to 0.0.0.0 and :: joins through js 1, which learns its addresses from identify
        // alone; js 3 finds it, and a fresh js node dials each address js 3 found.
        await using var host = new LibP2pHost(Ed25519PrivateKey.Generate(), new LibP2pHostOptions { ListenAddresses = [Multiaddr.Parse("/ip4/0.0.0.0/tcp/0"), Multiaddr.Parse("/ip6/::/tcp/0")] });
        var messenger = new LibP2pKadMessenger(host);
        using var node = new IpfsDhtNode(messenger, new IpfsDhtNodeOptions { LookupSoftTimeout = TimeSpan.FromSeconds(1) });
        messenger.Serve(node);
        await host.StartAsync();
        Assert.DoesNotContain(host.AdvertisedAddresses, UnspecifiedAddresses.IsUnspecified);
        await node.BootstrapAsync([new PeerInfo(_js[0].PeerId, [_js[0].Addresses[0].WithoutPeerId()])]);
        await _js[0].WaitForIdentifyAsync(host.PeerId);

        var found = await _js[2].FindPeerAsync(host.PeerId);
        AssertNoErrorsFromUs(found);
        var peer = Assert.Single(found.Peers.DistinctBy(p => p.Id), p => p.Id == host.PeerId);
        Assert.Equal(host.AdvertisedAddresses.ToHashSet(), peer.Multiaddrs.ToHashSet());
        foreach (var address in peer.Multiaddrs)
        {
            await using var dialer = await JsLibp2pPeer.StartAsync();
            Assert.Equal(host.PeerId, await dialer.DialAsync(address.WithPeerId(host.PeerId)));
            // A ping answered means the DhtNet side has the connection registered.
            Assert.True(await dialer.PingAsync(host.PeerId) >= 0);
            Assert.Equal(address, host.GetConnection(dialer.PeerId)!.LocalAddress);
        }
    }

    [Fact]
    public async Task ClosestPeers_BothWays_AgreeWithTheTrueOrder()
    {
        var key = "some key"u8.ToArray();
        var target = Key256.Sha256(key);
        var all = AllPeers();

        var ours = await _ours[0].Node.QueryAsync(key);
        var truth = all.Where(p => p != _ours[0].Host.PeerId).OrderBy(p => IpfsContact.KeyOf(p).Xor(target)).ToArray();
        Assert.Equal(truth, ours.Select(p => p.Id));

        var theirs = await _js[0].ClosestAsync(key);
        AssertNoErrorsFromUs(theirs);
        var jsTruth = all.Where(p => p != _js[0].PeerId).OrderBy(p => IpfsContact.KeyOf(p).Xor(target)).ToHashSet();
        Assert.Equal(jsTruth, theirs.Peers.Select(p => p.Id).ToHashSet());
    }
}
