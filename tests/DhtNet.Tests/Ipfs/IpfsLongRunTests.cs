namespace DhtNet.Tests.Ipfs;

/// <summary>
/// Small in-memory IPFS DHT networks run for days of virtual time with every node's timers on: provider
/// records live as long as their provider re-announces them, and addresses that no one confirms age out.
/// </summary>
public class IpfsLongRunTests
{
    private const int K = KadTestNetwork.K;

    private static KadTestNetwork Build(int servers, int seed) =>
        KadTestNetwork.Build(servers, 0, loss: 0, seed, options: (i, client) => new IpfsDhtNodeOptions
        {
            ClientMode = client,
            Random = new Random(i),
            LookupSoftTimeout = TimeSpan.FromSeconds(1),
            // Fewer refresh lookups over two days of virtual time; reprovide and purge keep their IPFS timing.
            FreshnessInterval = TimeSpan.FromHours(6),
        });

    [Fact]
    public void ProvideAsync_Over48Hours_ReannouncedRecordLivesAndAbandonedOneExpires()
    {
        var net = Build(100, 21);
        foreach (var node in net.Servers)
        {
            node.Start();
        }

        var keeper = net.Servers[1];
        var leaver = net.Servers[2];
        var searcher = net.Servers[3];
        var kept = Cid.Hash("re-announced every 22 h"u8);
        var abandoned = Cid.Hash("announced once"u8);
        Assert.True(net.Run(keeper.ProvideAsync(kept)) >= K);
        Assert.True(net.Run(leaver.ProvideAsync(abandoned)) >= K);

        // The second provider goes away for good: nobody re-announces its record.
        leaver.Dispose();
        net.Network.Remove(leaver);
        net.Removed.Add(leaver.PeerId);
        int Holders(Cid cid) => net.Servers.Count(s => s != leaver && s.Providers.Get(cid.Multihash.Bytes.Span).Count > 0);
        PeerId[] Find(Cid cid) => [.. net.Run(KadTestNetwork.CollectAsync(searcher.FindProvidersAsync(cid, 5, TimeSpan.FromMinutes(1)))).Select(p => p.Id)];

        net.Clock.Advance(TimeSpan.FromHours(47));
        Assert.True(Holders(abandoned) >= K, $"{Holders(abandoned)} hold the abandoned record at 47 h");
        Assert.Equal([leaver.PeerId], Find(abandoned));
        Assert.Equal([keeper.PeerId], Find(kept));

        net.Clock.Advance(TimeSpan.FromHours(2));
        Assert.Equal(0, Holders(abandoned));
        Assert.Empty(Find(abandoned));
        Assert.True(Holders(kept) >= K, $"{Holders(kept)} hold the re-announced record at 49 h");
        Assert.Equal([keeper.PeerId], Find(kept));

        // The leaver's addresses: once its table entries failed and nobody confirmed them, gone from every address book.
        Assert.All(net.Servers.Where(s => s != leaver), s => Assert.Empty(s.Addresses.Get(leaver.PeerId)));
    }

    [Fact]
    public void FindPeerAsync_PeerMoved_AnswersWithItsNewAddressOnly()
    {
        var net = Build(300, 22);
        var mover = net.Servers[7];
        var old = net.Network.AddressOf(mover);
        var moved = net.Network.Move(mover, 60_000);

        // It rejoins from its new address: the peers it asks learn that address from the peer itself.
        Assert.NotEmpty(net.Run(mover.BootstrapAsync()));
        net.Clock.Advance(TimeSpan.FromMinutes(11)); // past the freshness interval: table entries alone vouch for nothing

        var random = new Random(3);
        for (int i = 0; i < 20; i++)
        {
            var searcher = net.Servers[random.Next(net.Servers.Count)];
            if (searcher == mover)
            {
                continue;
            }

            var found = net.Run(searcher.FindPeerAsync(mover.PeerId));
            Assert.NotNull(found);
            Assert.Equal([moved], found.Multiaddrs);
            Assert.DoesNotContain(old, searcher.Addresses.Get(mover.PeerId));
        }
    }
}
