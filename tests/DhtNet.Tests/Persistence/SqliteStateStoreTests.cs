using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace DhtNet.Tests.Persistence;

/// <summary>The contract, plus what only a file has: format versions, damaged files, key file modes.</summary>
public sealed class SqliteStateStoreTests : StateStoreContractTests, IDisposable
{
    // The tables formats 1, 2 and 3 share, as those formats wrote them (older files are written out, not derived from today's schema).
    private const string TablesOfFormats1And2 = """
        CREATE TABLE node_ids (network TEXT NOT NULL, slot TEXT NOT NULL, id BLOB NOT NULL, PRIMARY KEY (network, slot)) WITHOUT ROWID;
        CREATE TABLE contacts (network TEXT NOT NULL, id BLOB NOT NULL, address BLOB NOT NULL, last_seen INTEGER NOT NULL,
            PRIMARY KEY (network, id)) WITHOUT ROWID;
        CREATE TABLE providers (network TEXT NOT NULL, key BLOB NOT NULL, provider BLOB NOT NULL, addresses BLOB NOT NULL, expires INTEGER NOT NULL,
            PRIMARY KEY (network, key, provider)) WITHOUT ROWID;
        CREATE INDEX providers_expires ON providers (expires);
        CREATE TABLE records (network TEXT NOT NULL, key BLOB NOT NULL, value BLOB NOT NULL, received INTEGER NOT NULL, expires INTEGER NOT NULL,
            PRIMARY KEY (network, key)) WITHOUT ROWID;
        CREATE INDEX records_expires ON records (expires);
        CREATE TABLE publications (network TEXT NOT NULL, kind TEXT NOT NULL, key BLOB NOT NULL, payload BLOB NOT NULL, next_due INTEGER NOT NULL,
            PRIMARY KEY (network, kind, key)) WITHOUT ROWID;

        """;

    private readonly string _directory = Directory.CreateTempSubdirectory("dhtnet-state-").FullName;
    private DhtStateStoreOptions _options = new();

    private string DatabasePath => Path.Combine(_directory, SqliteStateStore.FileName);

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task Open_FileFromNewerFormat_ThrowsNamingFileAndVersions()
    {
        await Store.DisposeAsync();
        SetUserVersion(DatabasePath, SqliteStateStore.SchemaVersion + 1);

        var error = Assert.Throws<DhtStateException>(() => SqliteStateStore.Open(_directory));

        Assert.Equal(DatabasePath, error.FilePath);
        Assert.Equal(SqliteStateStore.SchemaVersion + 1, error.FileVersion);
        Assert.Equal(SqliteStateStore.SchemaVersion, error.SupportedVersion);
        Assert.Contains(DatabasePath, error.Message, StringComparison.Ordinal);
        Assert.Contains($"version {SqliteStateStore.SchemaVersion + 1}", error.Message, StringComparison.Ordinal);
        Assert.Empty(SetAsideFiles());

        // The newer file is left as it was, for the newer build.
        SetUserVersion(DatabasePath, SqliteStateStore.SchemaVersion);
        Store = SqliteStateStore.Open(_directory);
    }

    // The items log of formats 2 and 3: the latest row of a target wins, an expired one is not loaded.
    private const string ItemLogOfFormats2And3 = """
        CREATE TABLE items (network TEXT NOT NULL, target BLOB NOT NULL, item BLOB NOT NULL, expires INTEGER NOT NULL);
        CREATE INDEX items_expires ON items (expires);
        INSERT INTO items VALUES ('mainline', x'0202020202020202020202020202020202020202', x'01', 9000000000000);
        INSERT INTO items VALUES ('mainline', x'0303030303030303030303030303030303030303', x'03', 1000);
        INSERT INTO items VALUES ('ipfs', x'0202020202020202020202020202020202020202', x'09', 9000000000000);
        INSERT INTO items VALUES ('mainline', x'0202020202020202020202020202020202020202', x'02', 8000000000000);

        """;

    [Fact]
    public async Task Open_FileOfFormat1_PeersAndItemsMovedToLogsAndLoaded()
    {
        // Format 1 as it was written: peers and items keyed by their natural keys.
        await WriteOldFileAsync("""
            CREATE TABLE peers (network TEXT NOT NULL, info_hash BLOB NOT NULL, address BLOB NOT NULL, seed INTEGER NOT NULL, expires INTEGER NOT NULL,
                PRIMARY KEY (network, info_hash, address)) WITHOUT ROWID;
            CREATE INDEX peers_expires ON peers (expires);
            CREATE TABLE items (network TEXT NOT NULL, target BLOB NOT NULL, item BLOB NOT NULL, expires INTEGER NOT NULL,
                PRIMARY KEY (network, target)) WITHOUT ROWID;
            CREATE INDEX items_expires ON items (expires);
            INSERT INTO peers VALUES ('mainline', x'0101010101010101010101010101010101010101', x'0a000001', 1, 9000000000000);
            INSERT INTO items VALUES ('mainline', x'0202020202020202020202020202020202020202', x'02', 9000000000000);
            PRAGMA user_version = 1;
            """);

        Store = SqliteStateStore.Open(_directory, timeProvider: Time);
        Store.RecordPeer(Network, new SavedPeer(Bytes(20, 1), [10, 0, 0, 1], false, DateTimeOffset.FromUnixTimeMilliseconds(9_000_000_000_001)));
        DhtState state = await Store.LoadAsync(Network, new DhtStateLimits());

        var peer = Assert.Single(state.Peers); // the newer row of the same peer wins
        Assert.False(peer.Seed);
        Assert.Equal(Bytes(20, 2), Assert.Single(state.Items).Target);
        await AssertFormat4TablesOnlyAsync();
    }

    [Fact]
    public async Task Open_FileOfFormat2_PeerAndItemLogsPackedLatestRecordWinsAndLogsDropped()
    {
        // Format 2's peers and items: logs, the latest row of a peer or a target wins.
        await WriteOldFileAsync(ItemLogOfFormats2And3 + """
            CREATE TABLE peers (network TEXT NOT NULL, info_hash BLOB NOT NULL, address BLOB NOT NULL, seed INTEGER NOT NULL, expires INTEGER NOT NULL);
            CREATE INDEX peers_expires ON peers (expires);
            INSERT INTO peers VALUES ('mainline', x'0101010101010101010101010101010101010101', x'0a0000011ae1', 1, 9000000000000);
            INSERT INTO peers VALUES ('ipfs', x'0101010101010101010101010101010101010101', x'0a0000021ae1', 1, 9000000000000);
            INSERT INTO peers VALUES ('mainline', x'0101010101010101010101010101010101010101', x'0a0000011ae1', 0, 9000000000001);
            INSERT INTO peers VALUES ('mainline', x'0202020202020202020202020202020202020202', x'0a0000031ae1', 1, 9000000000000);
            PRAGMA user_version = 2;
            """);

        Store = SqliteStateStore.Open(_directory, timeProvider: Time);
        DhtState state = await Store.LoadAsync(Network, new DhtStateLimits());

        Assert.Equal([(1, false, 9_000_000_000_001), (2, true, 9_000_000_000_000)], state.Peers.Select(p => ((int)p.InfoHash[0], p.Seed, p.Expires.ToUnixTimeMilliseconds())).Order());
        Assert.Equal([10, 0, 0, 2, 0x1A, 0xE1], Assert.Single((await Store.LoadAsync("ipfs", new DhtStateLimits())).Peers).Address);
        AssertItemsOfTheOldLog(state);
        await AssertFormat4TablesOnlyAsync();
    }

    [Fact]
    public async Task Open_FileOfFormat3_PeerRowsMovedItemLogPackedAndDropped()
    {
        // Format 3: peers packed (seed 1 then its renewal, then a removal of peer 2), items a log.
        await WriteOldFileAsync(ItemLogOfFormats2And3 + """
            CREATE TABLE peer_batches (network TEXT NOT NULL, expires INTEGER NOT NULL, peers BLOB NOT NULL);
            CREATE INDEX peer_batches_expires ON peer_batches (expires);
            INSERT INTO peer_batches VALUES ('mainline', 9000000000001, x'0014060090cd792f08000001010101010101010101010101010101010101010a0000011ae10114060190cd792f08000001010101010101010101010101010101010101010a0000011ae10314060090cd792f08000002020202020202020202020202020202020202020a0000021ae1');
            INSERT INTO peer_batches VALUES ('mainline', 9000000000000, x'0014060090cd792f08000003030303030303030303030303030303030303030a0000031ae1');
            PRAGMA user_version = 3;
            """);

        Store = SqliteStateStore.Open(_directory, timeProvider: Time);
        DhtState state = await Store.LoadAsync(Network, new DhtStateLimits());

        Assert.Equal([(1, true, 9_000_000_000_001), (3, false, 9_000_000_000_000)], state.Peers.Select(p => ((int)p.InfoHash[0], p.Seed, p.Expires.ToUnixTimeMilliseconds())).Order());
        AssertItemsOfTheOldLog(state);

        // A removal packed after the move still hides the moved peer: the moved rows are the log's start.
        Store.RemovePeer(Network, Bytes(20, 3), [10, 0, 0, 3, 0x1A, 0xE1]);
        Assert.Equal([1], (await Store.LoadAsync(Network, new DhtStateLimits())).Peers.Select(p => (int)p.InfoHash[0]));
        await AssertFormat4TablesOnlyAsync();
    }

    public static TheoryData<string> DamagedFiles => ["garbage", "header-only", "foreign-database", "torn-pages"];

    [Theory]
    [MemberData(nameof(DamagedFiles))]
    public async Task Open_DamagedFile_SetAsideWithWarningAndFreshStoreWorks(string damage)
    {
        Store.RecordPeer(Network, new SavedPeer(Bytes(20, 1), [1], false, DateTimeOffset.MaxValue));
        await Store.DisposeAsync();
        byte[] original = await File.ReadAllBytesAsync(DatabasePath);
        await File.WriteAllBytesAsync(DatabasePath, Damage(damage, original));
        byte[] damaged = await File.ReadAllBytesAsync(DatabasePath);
        var logger = new CapturingLogger();

        Store = SqliteStateStore.Open(_directory, logger: logger, timeProvider: Time);

        string aside = Assert.Single(SetAsideFiles());
        Assert.Equal(damaged, await File.ReadAllBytesAsync(aside));
        Assert.Contains(logger.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains(aside, StringComparison.Ordinal));
        Store.RecordItem(Network, new SavedItem(Bytes(20, 2), [2], DateTimeOffset.MaxValue));
        DhtState state = await Store.LoadAsync(Network, new DhtStateLimits());
        Assert.Empty(state.Peers);
        Assert.Single(state.Items);

        // A second start uses the fresh file; nothing more is set aside (no loop).
        await Store.DisposeAsync();
        Store = SqliteStateStore.Open(_directory, logger: logger);
        Assert.Single((await Store.LoadAsync(Network, new DhtStateLimits())).Items);
        Assert.Single(SetAsideFiles());
    }

    [Fact]
    public async Task SaveIdentityKeyAsync_KeyFile_OwnerOnlyAndOutsideTheDatabase()
    {
        if (OperatingSystem.IsWindows())
        {
            return; // Unix file modes only.
        }

        await Store.SaveIdentityKeyAsync(Network, "bep44", Bytes(32, 7));

        string file = Path.Combine(_directory, "keys", "mainline.bep44.key");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        Assert.Equal(Bytes(32, 7), await File.ReadAllBytesAsync(file));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.GetDirectoryName(file)!));
        Assert.Equal(["mainline.bep44.key"], Directory.GetFiles(Path.GetDirectoryName(file)!).Select(Path.GetFileName));
    }

    [Fact]
    public async Task Open_DatabaseFile_WalModeAndFormatVersion()
    {
        Store.RecordNodeId(Network, "ipv4", Bytes(20, 1));
        await Store.FlushAsync();

        using var connection = new SqliteConnection($"Data Source={DatabasePath};Pooling=False");
        connection.Open();
        Assert.Equal("wal", Scalar(connection, "PRAGMA journal_mode"));
        Assert.Equal((long)SqliteStateStore.SchemaVersion, Scalar(connection, "PRAGMA user_version"));
    }

    [Fact]
    public async Task Write_WalPastCheckpointSize_WalTruncated()
    {
        var store = (SqliteStateStore)Store;
        store.CheckpointBytes = 64 * 1024;
        for (int i = 0; i < 100; i++)
        {
            store.RecordValue(Network, new SavedRecord(BitConverter.GetBytes(i), new byte[2000], Time.GetUtcNow(), DateTimeOffset.MaxValue));
        }

        long before = store.CheckpointEvents;
        await store.FlushAsync();

        Assert.Equal(before + 2, store.CheckpointEvents);
        Assert.Equal(0, new FileInfo(DatabasePath + "-wal").Length);
        Assert.Equal(100, (await store.LoadAsync(Network, new DhtStateLimits())).Records.Count);
    }

    private protected override IDhtStateStore Create(DhtStateStoreOptions options, TimeProvider time)
    {
        _options = options;
        return SqliteStateStore.Open(_directory, options, timeProvider: time);
    }

    private protected override async Task RestartAsync()
    {
        await Store.DisposeAsync();
        Store = SqliteStateStore.Open(_directory, _options, timeProvider: Time);
    }

    private static void AssertItemsOfTheOldLog(DhtState state)
    {
        SavedItem item = Assert.Single(state.Items);
        Assert.Equal(Bytes(20, 2), item.Target);
        Assert.Equal([2], item.Item); // the latest row, though it expires sooner
        Assert.Equal(8_000_000_000_000, item.Expires.ToUnixTimeMilliseconds());
    }

    /// <summary>Closes the store; the file holds this format's tables and none of an older one's; opens it again.</summary>
    private async Task AssertFormat4TablesOnlyAsync()
    {
        await Store.DisposeAsync();
        using (var connection = new SqliteConnection($"Data Source={DatabasePath};Pooling=False"))
        {
            connection.Open();
            Assert.Equal((long)SqliteStateStore.SchemaVersion, Scalar(connection, "PRAGMA user_version"));
            Assert.Equal(
                "batches,contacts,node_ids,providers,publications,records",
                Scalar(connection, "SELECT group_concat(name, ',') FROM (SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name)"));
        }

        Store = SqliteStateStore.Open(_directory, timeProvider: Time);
    }

    private string[] SetAsideFiles() =>
        Directory.GetFiles(_directory, SqliteStateStore.FileName + ".damaged-*").Where(f => !f.EndsWith("-wal", StringComparison.Ordinal)).ToArray();

    private static byte[] Damage(string damage, byte[] original)
    {
        var random = new Random(15);
        switch (damage)
        {
            case "garbage":
                byte[] garbage = new byte[8192];
                random.NextBytes(garbage);
                return garbage;
            case "header-only":
                return original[..100];
            case "foreign-database":
                string path = Path.Combine(Path.GetTempPath(), $"dhtnet-foreign-{Guid.NewGuid():N}.db");
                try
                {
                    using (var connection = new SqliteConnection($"Data Source={path};Pooling=False"))
                    {
                        connection.Open();
                        Scalar(connection, "CREATE TABLE notes (text TEXT); INSERT INTO notes VALUES ('not ours')");
                    }

                    return File.ReadAllBytes(path);
                }
                finally
                {
                    File.Delete(path);
                }

            default:
                // Keep the first page (its size is in the header), scribble over every page after
                // it: the b-trees no longer hold together.
                byte[] torn = (byte[])original.Clone();
                random.NextBytes(torn.AsSpan(System.Buffers.Binary.BinaryPrimitives.ReadUInt16BigEndian(original.AsSpan(16))));
                return torn;
        }
    }

    /// <summary>Replaces the store's file with one of an older format: the tables formats 1 and 2 share, then <paramref name="sql"/>.</summary>
    private async Task WriteOldFileAsync(string sql)
    {
        await Store.DisposeAsync();
        File.Delete(DatabasePath);
        using var connection = new SqliteConnection($"Data Source={DatabasePath};Pooling=False");
        connection.Open();
        Scalar(connection, TablesOfFormats1And2 + sql);
    }

    private static void SetUserVersion(string path, int version)
    {
        using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        Scalar(connection, $"PRAGMA user_version = {version}");
    }

    private static object? Scalar(SqliteConnection connection, string sql)
    {
        using SqliteCommand command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }
}
