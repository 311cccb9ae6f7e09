using System.Net;
using System.Net.Sockets;

namespace DhtNet.Tests.Storage;

public class PeerStoreTests
{
    private static readonly NodeId InfoHash = NodeId.Parse("0123456789abcdef0123456789abcdef01234567");

    [Fact]
    public void Announce_SameIpNewPort_UpdatesPortAndSeedInOneEntry()
    {
        var store = new PeerStore(new VirtualTimeProvider());

        Assert.True(store.Announce(InfoHash, Peer("192.0.2.1", 6881), seed: false));
        Assert.True(store.Announce(InfoHash, Peer("192.0.2.1", 6999), seed: true));

        var peers = store.GetPeers(InfoHash, 10);
        var peer = Assert.Single(peers);
        Assert.Equal(6999, peer.Port);
        Assert.True(peer.IsSeed);
        Assert.Equal(IPAddress.Parse("192.0.2.1"), peer.Address);
        Assert.Equal(1, store.Count);
        Assert.Equal(1, store.InfohashCount);
    }

    [Fact]
    public void Announce_IPv4MappedAddress_SameEntryAsIPv4()
    {
        var store = new PeerStore(new VirtualTimeProvider());

        store.Announce(InfoHash, Peer("192.0.2.1", 1000), seed: false);
        store.Announce(InfoHash, new IPEndPoint(IPAddress.Parse("192.0.2.1").MapToIPv6(), 2000), seed: false);

        var peer = Assert.Single(store.GetPeers(InfoHash, 10));
        Assert.Equal(2000, peer.Port);
        Assert.Equal(AddressFamily.InterNetwork, peer.AddressFamily);
    }

    [Fact]
    public void Announce_PortZeroOrOtherFamily_Refused()
    {
        var store = new PeerStore(new VirtualTimeProvider());

        Assert.False(store.Announce(InfoHash, Peer("192.0.2.1", 0), seed: false));
        Assert.Equal(0, store.Count);
        Assert.Equal(0, store.InfohashCount);
    }

    [Fact]
    public void GetPeers_After30Minutes_PeerExpired()
    {
        var clock = new VirtualTimeProvider();
        var store = new PeerStore(clock);
        store.Announce(InfoHash, Peer("192.0.2.1", 6881), seed: false);

        clock.Advance(TimeSpan.FromMinutes(30) - TimeSpan.FromSeconds(1));
        Assert.Single(store.GetPeers(InfoHash, 10));

        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Empty(store.GetPeers(InfoHash, 10));
        Assert.Equal(0, store.InfohashCount);
        Assert.Equal(0, store.Count);
        Assert.Equal(0, store.EstimatedBytes);
    }

    [Fact]
    public void Announce_Again_RenewsExpiry()
    {
        var clock = new VirtualTimeProvider();
        var store = new PeerStore(clock);
        store.Announce(InfoHash, Peer("192.0.2.1", 6881), seed: false);
        store.Announce(InfoHash, Peer("192.0.2.2", 6881), seed: false);

        clock.Advance(TimeSpan.FromMinutes(20));
        store.Announce(InfoHash, Peer("192.0.2.1", 6881), seed: false);
        clock.Advance(TimeSpan.FromMinutes(20));

        var peer = Assert.Single(store.GetPeers(InfoHash, 10));
        Assert.Equal(IPAddress.Parse("192.0.2.1"), peer.Address);
    }

    [Fact]
    public void Purge_ExpiredPeers_RemovedAndCounted()
    {
        var clock = new VirtualTimeProvider();
        var store = new PeerStore(clock);
        var other = NodeId.Random(new Random(1));
        store.Announce(InfoHash, Peer("192.0.2.1", 1), seed: false);
        store.Announce(other, Peer("192.0.2.1", 1), seed: false);
        clock.Advance(TimeSpan.FromMinutes(10));
        store.Announce(InfoHash, Peer("192.0.2.2", 1), seed: false);
        long twoSwarmsBytes = store.EstimatedBytes;

        clock.Advance(TimeSpan.FromMinutes(25));

        Assert.Equal(2, store.Purge());
        Assert.Equal(1, store.Count);
        Assert.Equal(1, store.InfohashCount);
        Assert.True(store.EstimatedBytes < twoSwarmsBytes);
        Assert.Equal(IPAddress.Parse("192.0.2.2"), Assert.Single(store.GetPeers(InfoHash, 10)).Address);
        Assert.Empty(store.GetPeers(other, 10));
    }

    [Fact]
    public void Announce_PerInfohashCapReached_EvictsOldestPeer()
    {
        var clock = new VirtualTimeProvider();
        var store = new PeerStore(new PeerStoreOptions { MaxPeersPerInfohash = 3 }, clock);
        store.Announce(InfoHash, Peer("192.0.2.9", 1), seed: false); // oldest, though highest address
        clock.Advance(TimeSpan.FromSeconds(1));
        store.Announce(InfoHash, Peer("192.0.2.1", 1), seed: false);
        clock.Advance(TimeSpan.FromSeconds(1));
        store.Announce(InfoHash, Peer("192.0.2.2", 1), seed: false);
        clock.Advance(TimeSpan.FromSeconds(1));

        store.Announce(InfoHash, Peer("192.0.2.3", 1), seed: false);

        var addresses = store.GetPeers(InfoHash, 10).Select(p => p.Address.ToString()).Order().ToArray();
        Assert.Equal(["192.0.2.1", "192.0.2.2", "192.0.2.3"], addresses);
        Assert.Equal(3, store.Count);
    }

    [Fact]
    public void Announce_FullDefaultSwarmInRandomOrder_KeepsNewest2000AndFindsEveryReannounce()
    {
        var clock = new VirtualTimeProvider();
        var store = new PeerStore(clock);
        var random = new Random(11);
        var addresses = Enumerable.Range(0, 2500)
            .Select(i => i % 3 == 0 ? $"2001:db8::{i:x}" : $"10.{i % 7}.{i / 256}.{i % 256}")
            .OrderBy(_ => random.Next())
            .ToArray();
        foreach (var address in addresses)
        {
            store.Announce(InfoHash, Peer(address, 1), seed: false);
            clock.Advance(TimeSpan.FromMilliseconds(1));
        }

        // Re-announcing the newest 2,000 must find each one, not add a duplicate or evict.
        foreach (var address in addresses[500..])
        {
            store.Announce(InfoHash, Peer(address, 2), seed: false);
        }

        var kept = store.GetPeers(InfoHash, 5000);
        Assert.Equal(2000, kept.Length);
        Assert.All(kept, p => Assert.Equal(2, p.Port));
        Assert.Equal(
            addresses[500..].Select(a => IPAddress.Parse(a).ToString()).Order(),
            kept.Select(p => p.Address.ToString()).Order());
    }

    [Fact]
    public void Purge_SwarmShrankToFewPeers_GivesBackPeerSlots()
    {
        var clock = new VirtualTimeProvider();
        var store = new PeerStore(clock);
        for (int i = 0; i < 2000; i++)
        {
            store.Announce(InfoHash, Peer($"10.0.{i / 256}.{i % 256}", 1), seed: false);
        }

        long full = store.EstimatedBytes;
        clock.Advance(TimeSpan.FromMinutes(20));
        for (int i = 0; i < 10; i++)
        {
            store.Announce(InfoHash, Peer($"10.1.0.{i}", 1), seed: false);
        }

        clock.Advance(TimeSpan.FromMinutes(15));

        Assert.Equal(1990, store.Purge()); // the 10 new announces already replaced the 10 oldest
        Assert.Equal(10, store.Count);
        Assert.Equal(2048, PeerBlocks.Capacity(PeerBlocks.ClassFor(2000)));
        Assert.Equal(32, store.PeerSlots(InfoHash)); // halved while 10 peers used at most a quarter
        Assert.True(store.EstimatedBytes <= full, $"{store.EstimatedBytes} of {full}");
    }

    [Fact]
    public void Announce_SwarmsChurn_SlabsOfExpiredSwarmsReused()
    {
        var clock = new VirtualTimeProvider();
        var store = new PeerStore(clock);
        var random = new Random(7);
        long[] bytes = new long[6];
        for (int round = 0; round < bytes.Length; round++)
        {
            // A new population every 16 minutes, of small and large swarms: from the third round on
            // the store holds two populations, the one before them having expired.
            for (int i = 0; i < 3000; i++)
            {
                var infoHash = NodeId.Random(random);
                for (int p = 0; p < 1 + (i % 40 == 0 ? 300 : i % 5); p++)
                {
                    store.Announce(infoHash, Peer($"10.{p / 256}.{p % 256}.{i % 250}", 1), seed: false);
                }
            }

            bytes[round] = store.EstimatedBytes;
            clock.Advance(TimeSpan.FromMinutes(16));
        }

        Assert.All(bytes[3..], b => Assert.InRange(b, 1, bytes[2]));
        clock.Advance(TimeSpan.FromMinutes(30));
        store.Purge();
        Assert.Equal(0, store.Count);
        Assert.Equal(0, store.EstimatedBytes);
    }

    [Fact]
    public void Announce_InfohashCapReached_EvictsLeastRecentlyAnnounced()
    {
        var clock = new VirtualTimeProvider();
        var store = new PeerStore(new PeerStoreOptions { MaxInfohashes = 2 }, clock);
        var a = NodeId.Random(new Random(1));
        var b = NodeId.Random(new Random(2));
        var c = NodeId.Random(new Random(3));
        store.Announce(a, Peer("192.0.2.1", 1), seed: false);
        clock.Advance(TimeSpan.FromSeconds(1));
        store.Announce(b, Peer("192.0.2.1", 1), seed: false);
        clock.Advance(TimeSpan.FromSeconds(1));
        store.Announce(a, Peer("192.0.2.2", 1), seed: false); // a is now the most recent

        store.Announce(c, Peer("192.0.2.1", 1), seed: false);

        Assert.Equal(2, store.InfohashCount);
        Assert.Equal(2, store.GetPeerCount(a));
        Assert.Equal(0, store.GetPeerCount(b));
        Assert.Equal(1, store.GetPeerCount(c));
        Assert.Equal(3, store.Count);
    }

    [Fact]
    public void Announce_MemoryBoundReached_EstimateStaysUnderBound()
    {
        var options = new PeerStoreOptions { MaxPeersPerInfohash = 10, MaxBytes = 10_000 };
        var store = new PeerStore(options, new VirtualTimeProvider());
        var random = new Random(5);

        for (int i = 0; i < 1000; i++)
        {
            store.Announce(NodeId.Random(random), Peer("192.0.2.1", 1), seed: false);
            for (int p = 0; p < i % 12; p++)
            {
                store.Announce(InfoHash, Peer($"198.51.100.{p}", 1), seed: false);
            }

            Assert.InRange(store.EstimatedBytes, 1, options.MaxBytes);
        }

        Assert.InRange(store.InfohashCount, 2, 100);
        Assert.Equal(10, store.GetPeerCount(InfoHash));
    }

    [Fact]
    public void GetPeers_NoSeed_LeavesOutSeeds()
    {
        var store = new PeerStore(new VirtualTimeProvider());
        for (int i = 1; i <= 10; i++)
        {
            store.Announce(InfoHash, Peer($"192.0.2.{i}", 1), seed: i % 2 == 0);
        }

        var peers = store.GetPeers(InfoHash, 100, noSeed: true);

        Assert.Equal(5, peers.Length);
        Assert.All(peers, p => Assert.False(p.IsSeed));
        Assert.Equal(10, store.GetPeers(InfoHash, 100).Length);
    }

    [Fact]
    public void GetPeers_Family_ReturnsOnlyThatFamily()
    {
        var store = new PeerStore(new VirtualTimeProvider());
        store.Announce(InfoHash, Peer("192.0.2.1", 1), seed: false);
        store.Announce(InfoHash, Peer("2001:db8::1", 2), seed: false);

        var v4 = Assert.Single(store.GetPeers(InfoHash, 10, family: AddressFamily.InterNetwork));
        var v6 = Assert.Single(store.GetPeers(InfoHash, 10, family: AddressFamily.InterNetworkV6));

        Assert.Equal(IPAddress.Parse("192.0.2.1"), v4.Address);
        Assert.Equal(IPAddress.Parse("2001:db8::1"), v6.Address);
        Span<byte> compact = stackalloc byte[18];
        Assert.Equal(6, v4.WriteCompact(compact));
        Assert.Equal(Convert.FromHexString("C000020100 01".Replace(" ", string.Empty)), compact[..6].ToArray());
        Assert.Equal(18, v6.WriteCompact(compact));
        Assert.Equal(new IPEndPoint(IPAddress.Parse("2001:db8::1"), 2), v6.ToEndPoint());
    }

    [Fact]
    public void GetPeers_MoreThanMax_ReturnsDistinctRandomSubsets()
    {
        var store = new PeerStore(new PeerStoreOptions(), new VirtualTimeProvider(), new Random(42));
        for (int i = 0; i < 200; i++)
        {
            store.Announce(InfoHash, Peer($"10.0.{i / 256}.{i % 256}", 1000 + i), seed: false);
        }

        var seen = new Dictionary<StoredPeer, int>();
        var subsets = new HashSet<string>();
        for (int round = 0; round < 100; round++)
        {
            var peers = store.GetPeers(InfoHash, 20);
            Assert.Equal(20, peers.Length);
            Assert.Equal(20, peers.Distinct().Count());
            subsets.Add(string.Join(",", peers.Select(p => p.Port).Order()));
            foreach (var peer in peers)
            {
                seen[peer] = seen.GetValueOrDefault(peer) + 1;
            }
        }

        // 100 draws of 20 from 200: every peer is expected 10 times; a fixed or biased choice
        // would leave most peers unseen.
        Assert.True(subsets.Count > 90);
        Assert.Equal(200, seen.Count);
        Assert.All(seen.Values, n => Assert.InRange(n, 1, 30));
    }

    [Fact]
    public void TryGetScrapeFilters_SeedsAndPeers_GoToTheirFilters()
    {
        var store = new PeerStore(new VirtualTimeProvider());
        store.Announce(InfoHash, Peer("192.0.2.1", 1), seed: true);
        store.Announce(InfoHash, Peer("2001:db8::1", 1), seed: true);
        store.Announce(InfoHash, Peer("192.0.2.2", 1), seed: false);

        Assert.True(store.TryGetScrapeFilters(InfoHash, out var seeds, out var peers));

        var expectedSeeds = new ScrapeBloomFilter();
        expectedSeeds.Add(IPAddress.Parse("192.0.2.1"));
        expectedSeeds.Add(IPAddress.Parse("2001:db8::1"));
        var expectedPeers = new ScrapeBloomFilter();
        expectedPeers.Add(IPAddress.Parse("192.0.2.2"));
        Assert.Equal(expectedSeeds.Bytes.ToArray(), seeds.Bytes.ToArray());
        Assert.Equal(expectedPeers.Bytes.ToArray(), peers.Bytes.ToArray());
        Assert.False(store.TryGetScrapeFilters(NodeId.Zero, out _, out _));
    }

    [Fact]
    public void SampleInfohashes_ReturnsDistinctStoredInfohashesAndAllWhenFew()
    {
        var store = new PeerStore(new VirtualTimeProvider());
        var random = new Random(7);
        var stored = new HashSet<NodeId>();
        for (int i = 0; i < 50; i++)
        {
            var id = NodeId.Random(random);
            stored.Add(id);
            store.Announce(id, Peer("192.0.2.1", 1), seed: false);
        }

        var sample = store.SampleInfohashes(20, random);
        var second = store.SampleInfohashes(20, random);
        var all = store.SampleInfohashes(100, random);

        Assert.Equal(20, sample.Distinct().Count());
        Assert.All(sample, id => Assert.Contains(id, stored));
        Assert.NotEqual(sample.Order(), second.Order());
        Assert.Equal(stored.Order(), all.Order());
        Assert.Equal(50, store.InfohashCount);
    }

    [Fact]
    public void SampleInfohashes_AfterEvictions_OnlyLiveInfohashes()
    {
        var clock = new VirtualTimeProvider();
        var store = new PeerStore(new PeerStoreOptions { MaxInfohashes = 10 }, clock);
        var random = new Random(3);
        var ids = new List<NodeId>();
        for (int i = 0; i < 25; i++)
        {
            ids.Add(NodeId.Random(random));
            store.Announce(ids[^1], Peer("192.0.2.1", 1), seed: false);
            clock.Advance(TimeSpan.FromMinutes(1));
        }

        var sample = store.SampleInfohashes(100, random);

        Assert.Equal(ids.Skip(15).Order(), sample.Order());
    }

    [Fact]
    public void Constructor_MaxBytesBelowOneFullInfohash_Throws()
    {
        var options = new PeerStoreOptions { MaxPeersPerInfohash = 2000, MaxBytes = 1000 };

        Assert.Throws<ArgumentOutOfRangeException>(() => new PeerStore(options, new VirtualTimeProvider()));
    }

    private static IPEndPoint Peer(string address, int port) => new(IPAddress.Parse(address), port);
}
