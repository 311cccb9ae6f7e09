using Xunit.Abstractions;

namespace DhtNet.Tests.Ipfs;

public class IpfsStoreTests(ITestOutputHelper output)
{
    private static readonly Multiaddr Addr = Multiaddr.Parse("/ip4/10.0.0.1/tcp/4001");
    private readonly VirtualTimeProvider _time = new(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero));

    [Theory]
    // The IPFS Kademlia DHT spec's examples: a peer id and a CID's multihash.
    [InlineData("0024080112209e3b433cbd31c2b8a6ebbdca998bd0f4c2141c9c9af5422e976051b1e63af14d", "e43d28f0996557c0d5571d75c62a57a59d7ac1d30a51ecedcdb9d5e4afa56100")]
    [InlineData("1220e536c7f88d731f374dccb568aff6f56e838a19382e488039b1ca8ad2599e82fe", "d623250f3f660ab4c3a53d3c97b3f6a0194c548053488d093520206248253bcb")]
    public void IpfsKey_SpecExamples(string keyHex, string expectedHex)
    {
        Span<byte> destination = stackalloc byte[32];
        IpfsKey.Compute(Convert.FromHexString(keyHex), destination);

        Assert.Equal(expectedHex, Convert.ToHexStringLower(IpfsKey.Compute(Convert.FromHexString(keyHex))));
        Assert.Equal(expectedHex, Convert.ToHexStringLower(destination));
    }

    [Fact]
    public void ProviderStore_Record_LosesAddressesAfter24HoursAndExpiresAfter48()
    {
        var store = new ProviderStore(_time);
        var peer = Ed25519PrivateKey.Generate().PeerId;
        store.Add("k"u8, new PeerInfo(peer, [Addr]));

        _time.Advance(TimeSpan.FromHours(24) - TimeSpan.FromTicks(1));
        Assert.Equal([Addr], Assert.Single(store.Get("k"u8)).Multiaddrs);
        _time.Advance(TimeSpan.FromTicks(1));
        Assert.Empty(Assert.Single(store.Get("k"u8)).Multiaddrs);
        _time.Advance(TimeSpan.FromHours(24) - TimeSpan.FromTicks(1));
        Assert.Single(store.Get("k"u8));
        _time.Advance(TimeSpan.FromTicks(1));
        Assert.Empty(store.Get("k"u8));
        Assert.Equal(0, store.KeyCount);
    }

    [Fact]
    public void ProviderStore_Reannouncement_RenewsTheRecord()
    {
        var store = new ProviderStore(_time);
        var peer = Ed25519PrivateKey.Generate().PeerId;
        store.Add("k"u8, new PeerInfo(peer, [Addr]));
        _time.Advance(TimeSpan.FromHours(40));
        store.Add("k"u8, new PeerInfo(peer, [Addr]));
        _time.Advance(TimeSpan.FromHours(40));

        Assert.Single(store.Get("k"u8));
    }

    [Fact]
    public void ProviderStore_Bounds_EvictTheOldest()
    {
        var store = new ProviderStore(new ProviderStoreOptions { MaxKeys = 2, MaxProvidersPerKey = 2 }, _time);
        var peers = Enumerable.Range(0, 3).Select(_ => Ed25519PrivateKey.Generate().PeerId).ToArray();
        foreach (var peer in peers)
        {
            store.Add("a"u8, new PeerInfo(peer, [Addr]));
        }

        store.Add("b"u8, new PeerInfo(peers[0], [Addr]));
        store.Add("c"u8, new PeerInfo(peers[0], [Addr]));

        Assert.Equal(2, store.KeyCount);
        Assert.Empty(store.Get("a"u8)); // least recently used key went
        Assert.Single(store.Get("c"u8));
        var bounded = new ProviderStore(new ProviderStoreOptions { MaxProvidersPerKey = 2 }, _time);
        foreach (var peer in peers)
        {
            bounded.Add("a"u8, new PeerInfo(peer, [Addr]));
        }

        Assert.Equal(peers[1..], bounded.Get("a"u8).Select(p => p.Id));
    }

    [Fact]
    public void ProviderStore_ByteBound_Holds()
    {
        var store = new ProviderStore(new ProviderStoreOptions { MaxBytes = 4096 }, _time);
        for (var i = 0; i < 1000; i++)
        {
            store.Add(BitConverter.GetBytes(i), new PeerInfo(Ed25519PrivateKey.FromSeed(new byte[32]).PeerId, [Addr]));
        }

        Assert.InRange(store.Bytes, 1, 4096);
        Assert.InRange(store.KeyCount, 1, 999);
    }

    [Fact]
    public void RecordStore_UnknownNamespace_IsRefused()
    {
        var store = new RecordStore(_time);

        Assert.Equal(RecordPutStatus.Invalid, store.Put("/v/x"u8, "value"u8));
        Assert.Equal(0, store.Count);
    }

    [Fact]
    public void RecordStore_ExpiredIpnsRecord_IsNoLongerServed()
    {
        var store = new RecordStore(_time);
        var key = Ed25519PrivateKey.Generate();
        var name = IpnsRecord.KeyFor(key.PeerId);
        Assert.Equal(RecordPutStatus.Stored, store.Put(name, IpnsRecord.Create(key, "/ipfs/x"u8, 1, _time.GetUtcNow().AddHours(1), TimeSpan.Zero)));

        _time.Advance(TimeSpan.FromHours(1));

        Assert.Null(store.Get(name));
        Assert.Equal(0, store.Count);
    }

    [Fact]
    public void RecordStore_BetterRecord_Replaces()
    {
        var store = new RecordStore(_time);
        var key = Ed25519PrivateKey.Generate();
        var name = IpnsRecord.KeyFor(key.PeerId);
        var first = IpnsRecord.Create(key, "/ipfs/a"u8, 1, _time.GetUtcNow().AddHours(1), TimeSpan.Zero);
        var second = IpnsRecord.Create(key, "/ipfs/b"u8, 2, _time.GetUtcNow().AddHours(1), TimeSpan.Zero);

        store.Put(name, first);
        Assert.Equal(RecordPutStatus.Stored, store.Put(name, second));
        Assert.Equal(RecordPutStatus.Older, store.Put(name, first));
        Assert.Equal(second, store.Get(name)!.Value.ToArray());
    }

    [Fact]
    public void RecordStore_CountBound_EvictsTheLeastRecentlyUsed()
    {
        var store = new RecordStore(RecordValidator.Default, new RecordStoreOptions { MaxRecords = 2 }, _time);
        var keys = Enumerable.Range(0, 3).Select(_ => Ed25519PrivateKey.Generate()).ToArray();
        store.Put(PublicKeyRecordValidator.KeyFor(keys[0].PeerId), keys[0].PublicKey.Marshal());
        store.Put(PublicKeyRecordValidator.KeyFor(keys[1].PeerId), keys[1].PublicKey.Marshal());
        store.Get(PublicKeyRecordValidator.KeyFor(keys[0].PeerId));
        store.Put(PublicKeyRecordValidator.KeyFor(keys[2].PeerId), keys[2].PublicKey.Marshal());

        Assert.NotNull(store.Get(PublicKeyRecordValidator.KeyFor(keys[0].PeerId)));
        Assert.Null(store.Get(PublicKeyRecordValidator.KeyFor(keys[1].PeerId)));
    }

    [Fact]
    public void AddressBook_StaleAddresses_AgeOut()
    {
        var book = new AddressBook(_time, maxAddressesPerPeer: 2);
        var peer = Ed25519PrivateKey.Generate().PeerId;
        var other = Multiaddr.Parse("/ip4/10.0.0.2/tcp/4001");
        var third = Multiaddr.Parse("/ip4/10.0.0.3/tcp/4001");
        book.Add(peer, [Addr], TimeSpan.FromMinutes(10));
        book.Add(peer, [other], TimeSpan.FromMinutes(30));
        book.Add(peer, [third], TimeSpan.FromMinutes(20)); // evicts Addr, the soonest to expire

        Assert.Equal([other, third], book.Get(peer));
        _time.Advance(TimeSpan.FromMinutes(20));
        Assert.Equal([other], book.Get(peer));
        _time.Advance(TimeSpan.FromMinutes(10));
        Assert.Empty(book.Get(peer));
        Assert.Equal(0, book.Count);
    }

    [Fact]
    public void AddressBook_PeersOwnList_ReplacesOldAddressesAndOutranksOthersClaims()
    {
        var book = new AddressBook(_time);
        var peer = Ed25519PrivateKey.Generate().PeerId;
        var moved = Multiaddr.Parse("/ip4/10.0.0.2/tcp/4001");
        book.Add(peer, [Addr]);

        // The peer says where it listens now: the old address goes, and a third party repeating it changes nothing.
        book.Replace(peer, [moved]);
        Assert.Equal([moved], book.Get(peer));
        book.Add(peer, [Addr]);
        Assert.Equal([moved], book.Get(peer));

        // Once its own list expires, what others say counts again, for as long as they say it.
        _time.Advance(AddressBook.DefaultLifetime);
        Assert.Empty(book.Get(peer));
        book.Add(peer, [Addr], TimeSpan.FromMinutes(1));
        Assert.Equal([Addr], book.Get(peer));
        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(1, book.Purge());
        Assert.Empty(book.Get(peer));
        Assert.Equal(0, book.Count);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(14)]
    [InlineData(15)]
    [InlineData(30)]
    public void RefreshTargets_BucketDepth_KeyHashesIntoThatBucket(int depth)
    {
        var random = new Random(depth);
        var local = Key256.Random(random);
        var targets = new RefreshTargets(local, new Random(1));

        // A target in the bucket at this depth: the local key's first `depth` bits, then the other branch.
        Span<byte> bytes = stackalloc byte[32];
        Span<byte> own = stackalloc byte[32];
        KademliaKey.RandomWithPrefix(local, depth, random).WriteTo(bytes);
        local.WriteTo(own);
        byte bit = (byte)(0x80 >> (depth % 8));
        bytes[depth / 8] = (byte)((bytes[depth / 8] & ~bit) | (~own[depth / 8] & bit));
        var target = new Key256(bytes);
        Assert.Equal(depth, target.CommonPrefixLength(local));

        var key = targets.KeyFor(target);
        Assert.Equal([0x12, 32], key[..2]);
        Assert.Equal(34, key.Length);
        int shared = Key256.Sha256(key).CommonPrefixLength(local);
        if (depth < RefreshTargets.DefaultMaxCommonPrefixLength)
        {
            Assert.Equal(depth, shared);
        }
        else
        {
            Assert.True(shared >= RefreshTargets.DefaultMaxCommonPrefixLength, $"shares {shared} bits");
        }
    }

    [Fact]
    public void RefreshTargets_Table_BuiltOnceWithBoundedDraws()
    {
        var targets = new RefreshTargets(Key256.Random(new Random(2)), new Random(3));
        Assert.Equal(0, targets.Draws);
        var random = new Random(4);
        targets.KeyFor(Key256.Random(random));
        long draws = targets.Draws;

        // Filling the deepest length takes about 2^(15 + 1) hashes; searching a 16-bit prefix took about 2^16 on every
        // refresh. After the build every key costs a table look-up and no hashing of random keys.
        output.WriteLine($"prefix table built with {draws} draws");
        Assert.InRange(draws, 1 << 10, 1 << 20);
        for (int i = 0; i < 1_000; i++)
        {
            targets.KeyFor(Key256.Random(random));
        }

        Assert.Equal(draws, targets.Draws);
    }

    [Fact]
    public void ReprovideSchedule_KeysComeDueEvery22Hours()
    {
        var schedule = new ReprovideSchedule(_time);
        schedule.Add("a"u8);
        _time.Advance(TimeSpan.FromHours(1));
        schedule.Add("b"u8);

        _time.Advance(TimeSpan.FromHours(21) - TimeSpan.FromTicks(1));
        Assert.Empty(schedule.TakeDue());
        _time.Advance(TimeSpan.FromTicks(1));
        Assert.Equal("a"u8.ToArray(), Assert.Single(schedule.TakeDue()).ToArray());
        Assert.Empty(schedule.TakeDue());
        Assert.Equal(_time.GetUtcNow().AddHours(1), schedule.NextDue);
        Assert.True(schedule.Retry("a"u8, TimeSpan.FromMinutes(5)));
        _time.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal("a"u8.ToArray(), Assert.Single(schedule.TakeDue()).ToArray());
        schedule.Remove("b"u8);
        _time.Advance(TimeSpan.FromHours(2));
        Assert.Empty(schedule.TakeDue());
        Assert.Equal(1, schedule.Count);
    }
}
