namespace DhtNet.Tests.Persistence;

/// <summary>
/// The contract every state store keeps, run against each implementation: what is recorded and
/// flushed comes back (after a restart, where the store has one), expired entries do not, and the
/// caller's caps hold on load.
/// </summary>
public abstract class StateStoreContractTests : IAsyncLifetime
{
    protected const string Network = "mainline";

    private static readonly DateTimeOffset Start = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

    protected VirtualTimeProvider Time { get; } = new(Start);

    protected IDhtStateStore Store { get; set; } = null!;

    public Task InitializeAsync()
    {
        Store = Create(new DhtStateStoreOptions(), Time);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await Store.DisposeAsync();

    [Fact]
    public async Task LoadAsync_ManyPeersRecordedTwiceOverTwoBatches_EachOnceWithItsLatestRecord()
    {
        // More peers than one packed row holds (SQLite), and a second batch renewing half of them.
        for (int i = 0; i < 2_500; i++)
        {
            Store.RecordPeer(Network, new SavedPeer(Bytes(20, i % 3), [10, 0, (byte)(i >> 8), (byte)i, 0x1A, 0xE1], true, DateTimeOffset.MaxValue));
        }

        await Store.FlushAsync();
        for (int i = 0; i < 2_500; i += 2)
        {
            Store.RecordPeer(Network, new SavedPeer(Bytes(20, i % 3), [10, 0, (byte)(i >> 8), (byte)i, 0x1A, 0xE1], false, DateTimeOffset.MaxValue));
        }

        DhtState state = await Store.LoadAsync(Network, new DhtStateLimits());

        Assert.Equal(2_500, state.Peers.Count);
        Assert.Equal(1_250, state.Peers.Count(p => !p.Seed));
        Assert.All(state.Peers, p => Assert.Equal(p.Address[3] % 2 == 1, p.Seed));
    }

    [Fact]
    public async Task LoadAsync_EveryKindRecorded_ComesBackAfterRestart()
    {
        DateTimeOffset later = Start.AddMinutes(30);
        var contact = new SavedContact(Bytes(20, 1), [127, 0, 0, 1, 0x1A, 0xE1], Start);
        var peer = new SavedPeer(Bytes(20, 2), [10, 0, 0, 2, 0, 80], true, later);
        var item = new SavedItem(Bytes(20, 3), "d1:v5:helloe"u8.ToArray(), later);
        var provider = new SavedProviderRecord(Bytes(34, 4), Bytes(38, 5), Bytes(30, 6), later);
        var record = new SavedRecord(Bytes(40, 7), Bytes(300, 8), Start, later);
        var publication = new SavedPublication("announce", Bytes(20, 9), Bytes(2, 10), later);
        Store.RecordNodeId(Network, "ipv4", Bytes(20, 11));
        Store.RecordNodeId(Network, "ipv6", Bytes(20, 12));
        Store.RecordContact(Network, contact);
        Store.RecordPeer(Network, peer);
        Store.RecordItem(Network, item);
        Store.RecordProvider(Network, provider);
        Store.RecordValue(Network, record);
        Store.RecordPublication(Network, publication);
        await Store.FlushAsync();

        DhtState state = await RestartAndLoadAsync();

        Assert.Equal(Bytes(20, 11), state.NodeIds["ipv4"]);
        Assert.Equal(Bytes(20, 12), state.NodeIds["ipv6"]);
        AssertSame(contact, Assert.Single(state.Contacts));
        AssertSame(peer, Assert.Single(state.Peers));
        AssertSame(item, Assert.Single(state.Items));
        AssertSame(provider, Assert.Single(state.Providers));
        AssertSame(record, Assert.Single(state.Records));
        AssertSame(publication, Assert.Single(state.Publications));
    }

    [Fact]
    public async Task LoadAsync_EveryKindRemoved_NothingComesBack()
    {
        DateTimeOffset later = Start.AddMinutes(30);
        Store.RecordContact(Network, new SavedContact(Bytes(20, 1), [1], Start));
        Store.RecordPeer(Network, new SavedPeer(Bytes(20, 2), [2], false, later));
        Store.RecordItem(Network, new SavedItem(Bytes(20, 3), [3], later));
        Store.RecordProvider(Network, new SavedProviderRecord(Bytes(34, 4), Bytes(38, 5), [6], later));
        Store.RecordValue(Network, new SavedRecord(Bytes(40, 7), [8], Start, later));
        Store.RecordPublication(Network, new SavedPublication("provide", Bytes(20, 9), [10], later));
        await Store.FlushAsync();

        Store.RemoveContact(Network, Bytes(20, 1));
        Store.RemovePeer(Network, Bytes(20, 2), [2]);
        Store.RemoveItem(Network, Bytes(20, 3));
        Store.RemoveProvider(Network, Bytes(34, 4), Bytes(38, 5));
        Store.RemoveValue(Network, Bytes(40, 7));
        Store.RemovePublication(Network, "provide", Bytes(20, 9));
        DhtState state = await RestartAndLoadAsync();

        AssertEmpty(state);
    }

    [Fact]
    public async Task LoadAsync_PeerRemovedAfterLaterBatches_StaysRemovedUntilRecordedAgain()
    {
        var peer = new SavedPeer(Bytes(20, 1), [10, 0, 0, 1, 0x1A, 0xE1], false, Start.AddMinutes(30));
        Store.RecordPeer(Network, peer);
        await Store.FlushAsync();
        for (int i = 0; i < 2_000; i++)
        {
            Store.RecordPeer(Network, new SavedPeer(Bytes(20, 2), [10, 1, (byte)(i >> 8), (byte)i, 0x1A, 0xE1], false, Start.AddMinutes(10)));
        }

        await Store.FlushAsync();
        Store.RemovePeer(Network, peer.InfoHash, peer.Address);
        await RestartAsync();

        // The other peers expire first and are pruned; the removal still hides the peer.
        Time.Advance(TimeSpan.FromMinutes(20));
        Store.RecordNodeId(Network, "ipv4", Bytes(20, 3));
        await Store.FlushAsync();
        Assert.Empty((await Store.LoadAsync(Network, new DhtStateLimits())).Peers);

        Store.RecordPeer(Network, peer with { Expires = Start.AddMinutes(50) });
        Assert.Equal(peer.Address, Assert.Single((await Store.LoadAsync(Network, new DhtStateLimits())).Peers).Address);
    }

    [Fact]
    public void RecordPeer_FieldLongerThan255Bytes_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Store.RecordPeer(Network, new SavedPeer(new byte[256], [1], false, Start)));
        Assert.Throws<ArgumentOutOfRangeException>(() => Store.RemovePeer(Network, new byte[20], new byte[256]));
    }

    [Fact]
    public void RecordItem_TargetOver255OrItemOver65535Bytes_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Store.RecordItem(Network, new SavedItem(new byte[256], [1], Start)));
        Assert.Throws<ArgumentOutOfRangeException>(() => Store.RecordItem(Network, new SavedItem(new byte[20], new byte[65_536], Start)));
        Assert.Throws<ArgumentOutOfRangeException>(() => Store.RemoveItem(Network, new byte[256]));
        Store.RecordItem(Network, new SavedItem(new byte[255], new byte[65_535], Start.AddMinutes(1)));
    }

    [Fact]
    public async Task LoadAsync_ManyLargeItemsRewrittenOverSeveralBatches_LatestWriteOfEachWins()
    {
        // More 1,000-byte items than one packed row holds (SQLite: 64 KiB), written three times (the
        // first two coalesce before a flush); later writes expire sooner, so the latest write wins, not the latest expiry.
        for (int round = 1; round <= 3; round++)
        {
            for (int i = 0; i < 200; i++)
            {
                byte[] item = new byte[1_000];
                item[0] = (byte)round;
                item[^1] = (byte)i;
                Store.RecordItem(Network, new SavedItem(Bytes(20, i), item, Start.AddMinutes(60 - round)));
            }

            if (round > 1)
            {
                await Store.FlushAsync();
            }
        }

        Store.RemoveItem(Network, Bytes(20, 7));
        DhtState state = await RestartAndLoadAsync();

        Assert.Equal(199, state.Items.Count);
        Assert.All(state.Items, i => Assert.Equal((3, i.Target[0]), (i.Item[0], i.Item[^1])));
        Assert.DoesNotContain(state.Items, i => i.Target[0] == 7);
        Assert.Equal(50, (await Store.LoadAsync(Network, new DhtStateLimits { MaxItems = 50 })).Items.Count);
        Time.Advance(TimeSpan.FromMinutes(57));
        Assert.Empty((await Store.LoadAsync(Network, new DhtStateLimits())).Items);
    }

    [Fact]
    public async Task LoadAsync_SameEntryRecordedTwice_LastChangeWins()
    {
        Store.RecordPeer(Network, new SavedPeer(Bytes(20, 1), [1, 2], false, Start.AddMinutes(10)));
        await Store.FlushAsync();
        Store.RecordPeer(Network, new SavedPeer(Bytes(20, 1), [1, 2], true, Start.AddMinutes(20)));
        Store.RecordPeer(Network, new SavedPeer(Bytes(20, 1), [1, 2], false, Start.AddMinutes(30)));
        Store.RemoveItem(Network, Bytes(20, 5));
        Store.RecordItem(Network, new SavedItem(Bytes(20, 5), [7], Start.AddMinutes(30)));

        DhtState state = await RestartAndLoadAsync();

        SavedPeer peer = Assert.Single(state.Peers);
        Assert.False(peer.Seed);
        Assert.Equal(Start.AddMinutes(30), peer.Expires);
        Assert.Equal([7], Assert.Single(state.Items).Item);
    }

    [Fact]
    public async Task LoadAsync_OtherNetwork_NotLoaded()
    {
        Store.RecordNodeId("ipfs", "peer", Bytes(32, 1));
        Store.RecordPeer("ipfs", new SavedPeer(Bytes(20, 2), [2], false, Start.AddMinutes(30)));
        Store.RecordContact("ipfs", new SavedContact(Bytes(32, 3), [3], Start));

        DhtState mainline = await RestartAndLoadAsync();
        DhtState ipfs = await Store.LoadAsync("ipfs", new DhtStateLimits());

        AssertEmpty(mainline);
        Assert.Single(ipfs.Peers);
        Assert.Single(ipfs.Contacts);
        Assert.Equal(Bytes(32, 1), ipfs.NodeIds["peer"]);
    }

    [Fact]
    public async Task LoadAsync_ExpiredEntries_NotLoaded()
    {
        DateTimeOffset soon = Start.AddMinutes(10);
        DateTimeOffset later = Start.AddMinutes(30);
        Store.RecordPeer(Network, new SavedPeer(Bytes(20, 1), [1], false, soon));
        Store.RecordPeer(Network, new SavedPeer(Bytes(20, 1), [2], false, later));
        Store.RecordItem(Network, new SavedItem(Bytes(20, 2), [1], soon));
        Store.RecordItem(Network, new SavedItem(Bytes(20, 3), [2], later));
        Store.RecordProvider(Network, new SavedProviderRecord(Bytes(34, 4), Bytes(38, 1), [1], soon));
        Store.RecordProvider(Network, new SavedProviderRecord(Bytes(34, 4), Bytes(38, 2), [2], later));
        Store.RecordValue(Network, new SavedRecord(Bytes(40, 5), [1], Start, soon));
        Store.RecordValue(Network, new SavedRecord(Bytes(40, 6), [2], Start, later));
        await Store.FlushAsync();

        // Expiry is exclusive: an entry whose expiry is now is gone.
        Time.Advance(TimeSpan.FromMinutes(10));
        DhtState state = await RestartAndLoadAsync();

        Assert.Equal([2], Assert.Single(state.Peers).Address);
        Assert.Equal([2], Assert.Single(state.Items).Item);
        Assert.Equal(Bytes(38, 2), Assert.Single(state.Providers).ProviderId);
        Assert.Equal([2], Assert.Single(state.Records).Value);

        Time.Advance(TimeSpan.FromMinutes(20));
        AssertEmpty(await Store.LoadAsync(Network, new DhtStateLimits()));
    }

    [Fact]
    public async Task LoadAsync_Caps_KeepTheFreshestOfEachKind()
    {
        for (int i = 0; i < 10; i++)
        {
            DateTimeOffset at = Start.AddMinutes(10 + i);
            Store.RecordContact(Network, new SavedContact(Bytes(20, i), [(byte)i], Start.AddSeconds(i)));
            Store.RecordPeer(Network, new SavedPeer(Bytes(20, 100), [(byte)i], false, at));
            Store.RecordPeer(Network, new SavedPeer(Bytes(20, 101), [(byte)i], false, at.AddSeconds(1)));
            Store.RecordItem(Network, new SavedItem(Bytes(20, i), [(byte)i], at));
            Store.RecordProvider(Network, new SavedProviderRecord(Bytes(34, 100), Bytes(38, i), [(byte)i], at));
            Store.RecordProvider(Network, new SavedProviderRecord(Bytes(34, 101), Bytes(38, i), [(byte)i], at.AddSeconds(1)));
            Store.RecordValue(Network, new SavedRecord(Bytes(40, i), [(byte)i], Start, at));
            Store.RecordPublication(Network, new SavedPublication("item", Bytes(20, i), [(byte)i], at));
        }

        var limits = new DhtStateLimits
        {
            MaxContacts = 3,
            MaxPeers = 5,
            MaxPeersPerInfoHash = 4,
            MaxItems = 2,
            MaxProviders = 6,
            MaxProvidersPerKey = 3,
            MaxRecords = 1,
            MaxPublications = 4,
        };
        await Store.FlushAsync();
        await RestartAsync();
        DhtState state = await Store.LoadAsync(Network, limits);

        Assert.Equal([[9], [8], [7]], state.Contacts.Select(c => c.Address));
        // Four per infohash (the latest-expiring), then five in all, latest first: 101/9, 100/9, 101/8, 100/8, 101/7.
        Assert.Equal([(101, 9), (100, 9), (101, 8), (100, 8), (101, 7)], state.Peers.Select(p => ((int)p.InfoHash[0], (int)p.Address[0])));
        Assert.Equal([[9], [8]], state.Items.Select(i => i.Item));
        Assert.Equal([(101, 9), (100, 9), (101, 8), (100, 8), (101, 7), (100, 7)], state.Providers.Select(p => ((int)p.Key[0], (int)p.Addresses[0])));
        Assert.Equal([9], Assert.Single(state.Records).Value);
        Assert.Equal([[0], [1], [2], [3]], state.Publications.Select(p => p.Payload));
    }

    [Fact]
    public async Task LoadAsync_PerKeyCap_AppliesToEveryKey()
    {
        for (int key = 0; key < 3; key++)
        {
            for (int i = 0; i < 5; i++)
            {
                Store.RecordPeer(Network, new SavedPeer(Bytes(20, key), [(byte)i], false, Start.AddMinutes(10 + i)));
            }
        }

        await Store.FlushAsync();
        DhtState state = await Store.LoadAsync(Network, new DhtStateLimits { MaxPeersPerInfoHash = 2 });

        Assert.Equal(6, state.Peers.Count);
        Assert.All(state.Peers.GroupBy(p => p.InfoHash[0]), g => Assert.Equal([4, 3], g.Select(p => (int)p.Address[0]).Order().Reverse()));
    }

    [Fact]
    public async Task FlushInterval_Elapses_ChangesWrittenWithoutFlushCall()
    {
        Store.RecordPeer(Network, new SavedPeer(Bytes(20, 1), [1], false, Start.AddMinutes(30)));
        var store = (DhtStateStore)Store;
        Assert.Equal(1, store.PendingCount);

        Time.Advance(new DhtStateStoreOptions().FlushInterval);

        await Eventually.UntilAsync(() => store.PendingCount == 0, "the store drained its pending changes", TimeSpan.FromSeconds(10));
        Assert.Single((await RestartAndLoadAsync()).Peers);
    }

    [Fact]
    public async Task Record_PastPendingBound_NewEntriesDroppedAndCountedSameEntryCoalesces()
    {
        await Store.DisposeAsync();
        Store = Create(new DhtStateStoreOptions { MaxPendingChanges = 3 }, Time);

        for (int i = 0; i < 5; i++)
        {
            Store.RecordItem(Network, new SavedItem(Bytes(20, i), [1], Start.AddMinutes(30)));
        }

        // Entries already waiting still take newer changes past the bound.
        Store.RecordItem(Network, new SavedItem(Bytes(20, 0), [2], Start.AddMinutes(30)));
        Assert.Equal(2, Store.DroppedChanges);
        DhtState state = await Store.LoadAsync(Network, new DhtStateLimits());

        Assert.Equal([0, 1, 2], state.Items.Select(i => (int)i.Target[0]).Order());
        Assert.Equal([2], state.Items.Single(i => i.Target[0] == 0).Item);

        // After a flush the bound is free again.
        Store.RecordItem(Network, new SavedItem(Bytes(20, 4), [1], Start.AddMinutes(30)));
        Assert.Equal(4, (await Store.LoadAsync(Network, new DhtStateLimits())).Items.Count);
        Assert.Equal(2, Store.DroppedChanges);
    }

    [Fact]
    public async Task CreateJournal_PastPendingBound_ExtraDroppedAndCountedRestRecordedAtFlush()
    {
        await Store.DisposeAsync();
        Store = Create(new DhtStateStoreOptions { MaxPendingChanges = 3 }, Time);
        var recorded = new List<int>();
        var journal = Store.CreateJournal<int>(i =>
        {
            recorded.Add(i);
            Store.RecordPeer(Network, new SavedPeer(Bytes(20, i), [10, 0, 0, (byte)i, 0x1A, 0xE1], false, Start.AddMinutes(30)));
        });

        for (int i = 1; i <= 5; i++)
        {
            Assert.Equal(i <= 3, journal.Append(i));
        }

        Assert.Equal(3, journal.Count);
        Assert.Empty(recorded); // nothing is turned into records before the flush drains the journal
        Assert.Equal(2, Store.DroppedChanges);
        DhtState state = await Store.LoadAsync(Network, new DhtStateLimits());

        Assert.Equal([1, 2, 3], recorded);
        Assert.Equal(0, journal.Count);
        Assert.Equal([1, 2, 3], state.Peers.Select(p => (int)p.InfoHash[0]).Order());
        Assert.True(journal.Append(6)); // drained, the journal takes changes again
    }

    [Fact]
    public async Task CreateJournal_Disposed_RecordedAtNextFlushThenForgottenDropsStillCounted()
    {
        await Store.DisposeAsync();
        Store = Create(new DhtStateStoreOptions { MaxPendingChanges = 2 }, Time);
        var store = (DhtStateStore)Store;
        var journal = Store.CreateJournal<int>(i => Store.RecordPeer(Network, new SavedPeer(Bytes(20, i), [10, 0, 0, (byte)i, 0x1A, 0xE1], false, Start.AddMinutes(30))));
        Assert.True(journal.Append(1));
        Assert.True(journal.Append(2));
        Assert.False(journal.Append(3));

        journal.Dispose();

        Assert.True(journal.IsClosed);
        Assert.False(journal.Append(4)); // refused, not dropped
        Assert.Equal(1, store.JournalCount);
        DhtState state = await Store.LoadAsync(Network, new DhtStateLimits());
        Assert.Equal([1, 2], state.Peers.Select(p => (int)p.InfoHash[0]).Order());
        Assert.Equal(0, store.JournalCount);
        Assert.Equal(1, Store.DroppedChanges);
    }

    [Fact]
    public async Task IdentityKey_Saved_LoadsAfterRestart()
    {
        byte[] seed = Bytes(32, 42);
        await Store.SaveIdentityKeyAsync(Network, "bep44", seed);
        await Store.SaveIdentityKeyAsync("ipfs", "bep44", Bytes(32, 43));

        await RestartAsync();

        Assert.Equal(seed, await Store.LoadIdentityKeyAsync(Network, "bep44"));
        Assert.Equal(Bytes(32, 43), await Store.LoadIdentityKeyAsync("ipfs", "bep44"));
        Assert.Null(await Store.LoadIdentityKeyAsync(Network, "other"));
    }

    [Theory]
    [InlineData("../escape")]
    [InlineData("Upper")]
    [InlineData("a/b")]
    [InlineData("")]
    [InlineData(".hidden")]
    public async Task IdentityKey_NameThatIsNoFileName_Throws(string name)
    {
        await Assert.ThrowsAsync<ArgumentException>(() => Store.SaveIdentityKeyAsync(Network, name, Bytes(32, 1)));
        await Assert.ThrowsAsync<ArgumentException>(() => Store.LoadIdentityKeyAsync(name, "key"));
    }

    [Fact]
    public async Task FlushAsync_AfterDispose_ThrowsObjectDisposed()
    {
        await Store.DisposeAsync();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => Store.FlushAsync());
        await Assert.ThrowsAsync<ObjectDisposedException>(() => Store.LoadAsync(Network, new DhtStateLimits()));
    }

    [Fact]
    public async Task LoadAsync_NothingRecorded_EmptyState()
    {
        AssertEmpty(await Store.LoadAsync(Network, new DhtStateLimits()));
    }

    protected static byte[] Bytes(int length, int fill)
    {
        byte[] bytes = new byte[length];
        bytes.AsSpan().Fill((byte)fill);
        return bytes;
    }


    private protected abstract IDhtStateStore Create(DhtStateStoreOptions options, TimeProvider time);

    /// <summary>Closes and reopens the store where it has a file; the in-memory store stays as it is.</summary>
    private protected abstract Task RestartAsync();

    private async Task<DhtState> RestartAndLoadAsync()
    {
        await RestartAsync();
        return await Store.LoadAsync(Network, new DhtStateLimits());
    }

    private static void AssertEmpty(DhtState state)
    {
        Assert.Empty(state.NodeIds);
        Assert.Empty(state.Contacts);
        Assert.Empty(state.Peers);
        Assert.Empty(state.Items);
        Assert.Empty(state.Providers);
        Assert.Empty(state.Records);
        Assert.Empty(state.Publications);
    }

    // Records hold arrays, which compare by reference; compare what every property holds.
    private static void AssertSame<T>(T expected, T actual)
        where T : class
    {
        foreach (System.Reflection.PropertyInfo property in typeof(T).GetProperties())
        {
            object? want = property.GetValue(expected);
            object? got = property.GetValue(actual);
            if (want is byte[] bytes)
            {
                Assert.Equal(bytes, got as byte[]);
            }
            else
            {
                Assert.Equal(want, got);
            }
        }
    }
}
