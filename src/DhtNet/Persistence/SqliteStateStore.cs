using System.Globalization;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace DhtNet.Persistence;

/// <summary>
/// The default state store: one SQLite file, <see cref="FileName"/>, in the node's data directory,
/// and identity keys as owner-only files in its "keys" folder. Open it once at start with <see cref="Open"/>.
/// </summary>
/// <remarks>
/// Every batch is one transaction in WAL mode with synchronous=NORMAL. A committed transaction is in
/// the WAL before the commit returns, so a killed process loses nothing it flushed; only a power cut
/// or OS crash can lose the last commits since the WAL was last synced (at each checkpoint), and even
/// then SQLite's WAL checksums restore the state as of an earlier commit, never part of a batch. That
/// is what the store promises (everything older than a flush interval survives a process crash, no
/// state is ever half-written), without an fsync per batch.
/// Identity keys live in files rather than in the database: a damaged database is set aside and
/// replaced, and the node's identity must not go with it; files also get mode 0600 on their own,
/// while the database, its WAL and their copies and backups would all have to be kept private.
/// </remarks>
public sealed partial class SqliteStateStore : DhtStateStore
{
    /// <summary>The database's file name in the data directory.</summary>
    public const string FileName = "dht-state.db";

    private const string KeyFolder = "keys";
    private const int SqliteCorrupt = 11;
    private const int SqliteNotADatabase = 26;
    private const int PageSize = 1024;
    private const int CacheKibibytes = 32 * 1024;

    // Expired rows are never loaded; deleting them now and then keeps the file to what is live.
    private static readonly TimeSpan PruneInterval = TimeSpan.FromMinutes(1);

    private readonly SqliteConnection _connection;
    // By StateKind; none for peers and items, which are packed (see EntryBatch).
    private readonly Statement?[] _upserts;
    private readonly Statement?[] _deletes;
    private readonly Statement _prune;
    private readonly RawInsert _appendBatch;
    private readonly Dictionary<(string Network, StateKind Kind), EntryBatch> _batches = [];
    private readonly string _walPath;
    private DateTimeOffset _lastPrune = DateTimeOffset.MinValue;
    private long _checkpointEvents;

    private SqliteStateStore(string dataDirectory, string path, SqliteConnection connection, DhtStateStoreOptions? options, ILogger logger, TimeProvider timeProvider)
        : base(options, logger, timeProvider)
    {
        DataDirectory = dataDirectory;
        DatabasePath = path;
        _walPath = path + "-wal";
        _connection = connection;
        _upserts =
        [
            new(connection, UpsertNodeId),
            new(connection, UpsertContact),
            null,
            null,
            new(connection, UpsertProvider),
            new(connection, UpsertRecord),
            new(connection, UpsertPublication),
        ];
        _deletes =
        [
            new(connection, DeleteNodeId),
            new(connection, DeleteContact),
            null,
            null,
            new(connection, DeleteProvider),
            new(connection, DeleteRecord),
            new(connection, DeletePublication),
        ];
        _prune = new(connection, PruneExpired);
        _appendBatch = new(connection, InsertBatch);
        StartFlushing();
    }

    /// <summary>The data directory the store was opened in.</summary>
    public string DataDirectory { get; }

    /// <summary>The database file.</summary>
    public string DatabasePath { get; }

    /// <summary>
    /// The WAL size past which a flush folds it back into the database and truncates it, so the WAL
    /// stays bounded. 64 MiB by default (a checkpoint writes each page changed since the last one
    /// once, and fsyncs: rarer checkpoints cost a busy node far less); tests lower it to make them frequent.
    /// </summary>
    internal long CheckpointBytes { get; set; } = 64 * 1024 * 1024;

    /// <summary>Counts each start and each end of a checkpoint, so a test can tell whether one overlapped what it did.</summary>
    internal long CheckpointEvents => Interlocked.Read(ref _checkpointEvents);

    /// <summary>
    /// Opens (or creates) the state in <paramref name="dataDirectory"/>. A file that is not a
    /// database or fails SQLite's integrity check is renamed aside with a timestamp, a warning is
    /// logged, and a fresh state is started. Throws <see cref="DhtStateException"/> for a file from a
    /// newer format and for a file that cannot be opened at all.
    /// </summary>
    public static SqliteStateStore Open(string dataDirectory, DhtStateStoreOptions? options = null, ILogger? logger = null, TimeProvider? timeProvider = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(dataDirectory);
        logger ??= NullLogger.Instance;
        timeProvider ??= TimeProvider.System;
        string directory = Path.GetFullPath(dataDirectory);
        Directory.CreateDirectory(directory);
        string path = Path.Combine(directory, FileName);

        SqliteConnection connection;
        try
        {
            connection = OpenChecked(path);
        }
        catch (DamagedFileException damaged)
        {
            string aside = SetAside(path, timeProvider.GetUtcNow());
            Log.SetAside(logger, path, damaged.Message, aside);
            try
            {
                connection = OpenChecked(path);
            }
            catch (DamagedFileException again)
            {
                // A fresh file that is damaged at once is the disk's fault; say so rather than loop.
                throw new DhtStateException($"The state file '{path}' was damaged and set aside, and a fresh one is damaged too: {again.Message}.", again) { FilePath = path };
            }
        }

        return new SqliteStateStore(directory, path, connection, options, logger, timeProvider);
    }

    private protected override void Write(Dictionary<StateKey, object?> batch, DateTimeOffset now)
    {
        using (SqliteTransaction transaction = _connection.BeginTransaction())
        {
            try
            {
                foreach ((StateKey key, object? value) in batch)
                {
                    if (key.Kind is StateKind.Peer or StateKind.Item)
                    {
                        Pack(transaction, key, value, now);
                    }
                    else if (value is null)
                    {
                        Delete(transaction, key);
                    }
                    else
                    {
                        Upsert(transaction, key, value);
                    }
                }

                foreach (EntryBatch entries in _batches.Values)
                {
                    WriteBatch(_appendBatch, entries);
                }
            }
            finally
            {
                // A failed batch is written again whole; nothing of it may stay packed.
                foreach (EntryBatch entries in _batches.Values)
                {
                    entries.Reset();
                }
            }

            if (now - _lastPrune >= PruneInterval)
            {
                _prune.Run(transaction, now.ToUnixTimeMilliseconds());
                _lastPrune = now;
            }

            transaction.Commit();
        }

        CheckpointIfLarge();
    }

    private protected override DhtState Read(string network, DhtStateLimits limits, DateTimeOffset now)
    {
        long nowMs = now.ToUnixTimeMilliseconds();

        // One read transaction: every table as of the same commit.
        using SqliteTransaction transaction = _connection.BeginTransaction(deferred: true);
        var nodeIds = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        using (SqliteCommand command = Query(transaction, SelectNodeIds, ("$network", network)))
        using (SqliteDataReader reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                nodeIds[reader.GetString(0)] = Blob(reader, 1);
            }
        }

        return new DhtState
        {
            NodeIds = nodeIds,
            Contacts = ReadAll(
                Query(transaction, SelectContacts, ("$network", network), ("$max", limits.MaxContacts)),
                r => new SavedContact(Blob(r, 0), Blob(r, 1), Time(r, 2))),
            // A kind capped at none is not read at all (its log is read whole otherwise).
            Peers = limits.MaxPeers == 0 ? [] : StateSelection.Select(
                ReadLive(transaction, network, StateKind.Peer, now, (infoHash, address, seed, expires) => new SavedPeer(infoHash, address, seed, expires)),
                p => p.Expires.UtcTicks,
                limits.MaxPeers,
                limits.MaxPeersPerInfoHash),
            Items = limits.MaxItems == 0 ? [] : StateSelection.Select(
                ReadLive(transaction, network, StateKind.Item, now, (target, item, _, expires) => new SavedItem(target, item, expires)),
                i => i.Expires.UtcTicks,
                limits.MaxItems),
            Providers = ReadAll(
                Query(transaction, SelectProviders, ("$network", network), ("$now", nowMs), ("$per_key", limits.MaxProvidersPerKey), ("$max", limits.MaxProviders)),
                r => new SavedProviderRecord(Blob(r, 0), Blob(r, 1), Blob(r, 2), Time(r, 3))),
            Records = ReadAll(
                Query(transaction, SelectRecords, ("$network", network), ("$now", nowMs), ("$max", limits.MaxRecords)),
                r => new SavedRecord(Blob(r, 0), Blob(r, 1), Time(r, 2), Time(r, 3))),
            Publications = ReadAll(
                Query(transaction, SelectPublications, ("$network", network), ("$max", limits.MaxPublications)),
                r => new SavedPublication(r.GetString(0), Blob(r, 1), Blob(r, 2), Time(r, 3))),
        };
    }

    private protected override Task SaveKeyAsync(string network, string name, ReadOnlyMemory<byte> key, CancellationToken cancellationToken)
    {
        string folder = Path.Combine(DataDirectory, KeyFolder);
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(folder);
        }
        else
        {
            Directory.CreateDirectory(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        return SecretFile.WriteAsync(KeyPath(network, name), key, cancellationToken);
    }

    private protected override Task<byte[]?> LoadKeyAsync(string network, string name, CancellationToken cancellationToken) =>
        SecretFile.ReadAsync(KeyPath(network, name), cancellationToken);

    private protected override void Close()
    {
        try
        {
            // A clean stop leaves one self-contained file.
            Execute(_connection, "PRAGMA wal_checkpoint(TRUNCATE)");
        }
        catch (SqliteException)
        {
            // The WAL stays beside the file and is replayed at the next open.
        }

        foreach (Statement? statement in _upserts.Concat(_deletes).Append(_prune))
        {
            statement?.Dispose();
        }

        _appendBatch.Dispose();

        _connection.Dispose();
    }

    private static SqliteConnection OpenChecked(string path)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
        }.ToString());
        try
        {
            connection.Open();
            int version = Convert.ToInt32(Scalar(connection, "PRAGMA user_version"), CultureInfo.InvariantCulture);
            if (version > SchemaVersion)
            {
                throw new DhtStateException(
                    $"The state file '{path}' has format version {version}, written by a newer DhtNet; this build reads versions up to {SchemaVersion}. " +
                    "Upgrade DhtNet or use another data directory.")
                {
                    FilePath = path,
                    FileVersion = version,
                    SupportedVersion = SchemaVersion,
                };
            }

            string check = Convert.ToString(Scalar(connection, "PRAGMA integrity_check"), CultureInfo.InvariantCulture) ?? "no answer";
            if (check != "ok")
            {
                throw new DamagedFileException($"integrity check: {check}");
            }

            // Checked before anything is changed, so a file set aside is exactly what was found.
            if (version == 0 && Convert.ToInt64(Scalar(connection, "SELECT count(*) FROM sqlite_master"), CultureInfo.InvariantCulture) != 0)
            {
                throw new DamagedFileException("it holds tables but no DhtNet format version, so it is not a DhtNet state file");
            }

            if (version == 0)
            {
                // Rows are some 60 bytes and land at random places in their tables (keyed by
                // infohash), so each one written costs a page in the WAL: small pages keep that
                // write amplification down. Only a fresh file can take it, before WAL mode.
                Execute(connection, $"PRAGMA page_size = {PageSize}");
            }

            string mode = Convert.ToString(Scalar(connection, "PRAGMA journal_mode = WAL"), CultureInfo.InvariantCulture) ?? "none";
            if (!mode.Equals("wal", StringComparison.OrdinalIgnoreCase))
            {
                throw new DhtStateException($"The state file '{path}' cannot use write-ahead logging here (journal mode stays '{mode}').") { FilePath = path };
            }

            // Checkpoints run after flushes, by size (see CheckpointIfLarge), so the WAL stays bounded.
            // A batch touches pages all over the tables; a cache that holds them keeps a page that
            // takes many rows of one batch from being spilled to the WAL more than once.
            Execute(connection, $"PRAGMA synchronous = NORMAL; PRAGMA wal_autocheckpoint = 0; PRAGMA cache_size = -{CacheKibibytes};");
            if (version < SchemaVersion)
            {
                CreateTables(connection, version);
            }

            return connection;
        }
        catch (SqliteException error) when (error.SqliteErrorCode is SqliteCorrupt or SqliteNotADatabase)
        {
            connection.Dispose();
            throw new DamagedFileException(error.Message, error);
        }
        catch (SqliteException error)
        {
            connection.Dispose();
            throw new DhtStateException($"The state file '{path}' cannot be opened: {error.Message}", error) { FilePath = path };
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>Creates the tables of a fresh file, or moves an older format's to this one, in one transaction.</summary>
    private static void CreateTables(SqliteConnection connection, int version)
    {
        using SqliteTransaction transaction = connection.BeginTransaction();
        if (version == 0)
        {
            Execute(connection, CreateSchema, transaction);
        }
        else
        {
            if (version == 1)
            {
                Execute(connection, MigrateFrom1, transaction);
            }

            Execute(connection, CreateBatches, transaction);
            if (version == 3)
            {
                Execute(connection, MoveFormat3Peers, transaction);
            }
            else
            {
                PackLog(connection, transaction, StateKind.Peer, SelectLoggedPeers, DropLoggedPeers);
            }

            PackLog(connection, transaction, StateKind.Item, SelectLoggedItems, DropLoggedItems);
        }

        Execute(connection, $"PRAGMA user_version = {SchemaVersion};", transaction);
        transaction.Commit();
    }

    /// <summary>
    /// Moves an older format's log of one kind (rows of network, key, value, seed, expires) into
    /// batches, in the log's order, so the latest entry of each key stays the latest; then drops the log.
    /// </summary>
    private static void PackLog(SqliteConnection connection, SqliteTransaction transaction, StateKind kind, string select, string drop)
    {
        var batches = new Dictionary<(string Network, StateKind Kind), EntryBatch>();
        using (var insert = new RawInsert(connection, InsertBatch))
        {
            using (SqliteCommand command = connection.CreateCommand())
            {
                command.Transaction = transaction;
                command.CommandText = select;
                using SqliteDataReader reader = command.ExecuteReader();
                while (reader.Read())
                {
                    byte[] key = Blob(reader, 1);
                    byte[] value = Blob(reader, 2);
                    if (key.Length > EntryBatch.MaxKeyLength || value.Length > EntryBatch.MaxValueLength(kind))
                    {
                        continue; // never written by DhtNet, which records no such entry
                    }

                    EntryBatch entries = BatchFor(batches, reader.GetString(0), kind);
                    if (entries.Add(key, value, reader.GetInt64(3) != 0, removed: false, reader.GetInt64(4)))
                    {
                        WriteBatch(insert, entries);
                    }
                }
            }

            foreach (EntryBatch entries in batches.Values)
            {
                WriteBatch(insert, entries);
            }
        }

        Execute(connection, drop, transaction);
    }

    private static EntryBatch BatchFor(Dictionary<(string Network, StateKind Kind), EntryBatch> batches, string network, StateKind kind)
    {
        if (!batches.TryGetValue((network, kind), out EntryBatch? entries))
        {
            entries = new EntryBatch(network, kind);
            batches.Add((network, kind), entries);
        }

        return entries;
    }

    private static int RowKind(StateKind kind) => kind == StateKind.Peer ? PeerRows : ItemRows;

    /// <summary>Appends what <paramref name="entries"/> holds as one row, and empties it.</summary>
    private static void WriteBatch(RawInsert insert, EntryBatch entries)
    {
        if (entries.Count == 0)
        {
            return;
        }

        insert.Text(1, entries.Network).Int64(2, RowKind(entries.Kind)).Int64(3, entries.Expires).Blob(4, entries.Packed).Run();
        entries.Clear();
    }

    /// <summary>Packs a peer or an item (a null value: its removal) into its batch, writing the batch's row when full.</summary>
    private void Pack(SqliteTransaction transaction, StateKey key, object? value, DateTimeOffset now)
    {
        EntryBatch entries = BatchFor(_batches, key.Network, key.Kind);
        bool full = value switch
        {
            SavedPeer peer => entries.Add(peer.InfoHash, peer.Address, peer.Seed, removed: false, peer.Expires.ToUnixTimeMilliseconds()),
            SavedItem item => entries.Add(item.Target, item.Item, seed: false, removed: false, item.Expires.ToUnixTimeMilliseconds()),
            _ => entries.Add(key.First, key.Second, seed: false, removed: true, RemovalExpiry(transaction, entries, now)),
        };
        if (full)
        {
            WriteBatch(_appendBatch, entries);
        }
    }

    /// <summary>How long a removal must be kept: until every row that can hold the entry has expired.</summary>
    private long RemovalExpiry(SqliteTransaction transaction, EntryBatch entries, DateTimeOffset now)
    {
        if (entries.RemovalFloor is not { } floor)
        {
            // Rows written before this write, once a write; EntryBatch.Latest covers this write's.
            floor = now.ToUnixTimeMilliseconds();
            using SqliteCommand command = Query(transaction, LatestBatchExpiry, ("$network", entries.Network), ("$kind", RowKind(entries.Kind)));
            if (command.ExecuteScalar() is long written)
            {
                floor = Math.Max(floor, written);
            }

            entries.RemovalFloor = floor;
        }

        return Math.Max(floor, entries.Latest);
    }

    /// <summary>
    /// The latest entry of every key of <paramref name="kind"/>, unpacked in write order; the live
    /// ones. <paramref name="create"/> makes an entry of its key, value, seed flag and expiry.
    /// </summary>
    private List<(StateKey Key, T Value)> ReadLive<T>(SqliteTransaction transaction, string network, StateKind kind, DateTimeOffset now, Func<byte[], byte[], bool, DateTimeOffset, T> create)
        where T : class
    {
        // A peer is named by its infohash and address, an item by its target alone.
        bool valueInKey = kind == StateKind.Peer;
        var latest = new Dictionary<StateKey, (T? Value, DateTimeOffset Expires)>();
        EntryBatch.Reader read = (seed, removed, expires, key, value) =>
        {
            byte[] first = key.ToArray();
            byte[]? second = valueInKey ? value.ToArray() : null;
            DateTimeOffset time = EntryBatch.Time(expires);
            latest[new StateKey(kind, network, null, first, second)] = removed ? (null, time) : (create(first, second ?? value.ToArray(), seed, time), time);
        };
        using (SqliteCommand command = Query(transaction, SelectBatches, ("$network", network), ("$kind", RowKind(kind))))
        using (SqliteDataReader reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                EntryBatch.Unpack(kind, Blob(reader, 0), read);
            }
        }

        var live = new List<(StateKey Key, T Value)>(latest.Count);
        foreach ((StateKey key, (T? value, DateTimeOffset expires)) in latest)
        {
            if (value is not null && expires > now)
            {
                live.Add((key, value));
            }
        }

        return live;
    }

    /// <summary>Moves a damaged file (and its WAL) to a timestamped name beside it; returns that name.</summary>
    private static string SetAside(string path, DateTimeOffset now)
    {
        string stamp = now.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        string aside = $"{path}.damaged-{stamp}";
        for (int n = 2; File.Exists(aside); n++)
        {
            aside = $"{path}.damaged-{stamp}-{n}";
        }

        File.Move(path, aside);
        if (File.Exists(path + "-wal"))
        {
            File.Move(path + "-wal", aside + "-wal");
        }

        // The shared-memory index is rebuilt from the WAL; a stale one must not meet the fresh file.
        File.Delete(path + "-shm");
        return aside;
    }

    private void CheckpointIfLarge()
    {
        var wal = new FileInfo(_walPath);
        if (!wal.Exists || wal.Length < CheckpointBytes)
        {
            return;
        }

        Interlocked.Increment(ref _checkpointEvents);
        try
        {
            Execute(_connection, "PRAGMA wal_checkpoint(TRUNCATE)");
        }
        finally
        {
            Interlocked.Increment(ref _checkpointEvents);
        }
    }

    private void Upsert(SqliteTransaction transaction, StateKey key, object value)
    {
        Statement statement = _upserts[(int)key.Kind]!;
        switch (value)
        {
            case byte[] id:
                statement.Run(transaction, key.Network, key.Text!, id);
                break;
            case SavedContact c:
                statement.Run(transaction, key.Network, c.Id, c.Address, c.LastSeen.ToUnixTimeMilliseconds());
                break;
            case SavedProviderRecord p:
                statement.Run(transaction, key.Network, p.Key, p.ProviderId, p.Addresses, p.Expires.ToUnixTimeMilliseconds());
                break;
            case SavedRecord r:
                statement.Run(transaction, key.Network, r.Key, r.Value, r.Received.ToUnixTimeMilliseconds(), r.Expires.ToUnixTimeMilliseconds());
                break;
            case SavedPublication p:
                statement.Run(transaction, key.Network, p.Kind, p.Key, p.Payload, p.NextDue.ToUnixTimeMilliseconds());
                break;
            default:
                throw new InvalidOperationException($"No table for {value.GetType().Name}.");
        }
    }

    private void Delete(SqliteTransaction transaction, StateKey key)
    {
        Statement statement = _deletes[(int)key.Kind]!;
        switch (key.Kind)
        {
            case StateKind.NodeId:
            case StateKind.Publication:
                statement.Run(transaction, key.Network, key.Text!, key.First);
                break;
            case StateKind.Provider:
                statement.Run(transaction, key.Network, key.First, key.Second!);
                break;
            default:
                statement.Run(transaction, key.Network, key.First);
                break;
        }
    }

    private string KeyPath(string network, string name) => Path.Combine(DataDirectory, KeyFolder, $"{network}.{name}.key");

    private SqliteCommand Query(SqliteTransaction transaction, string sql, params (string Name, object Value)[] parameters)
    {
        SqliteCommand command = _connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        foreach ((string name, object value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        // Loads are rare (once at start); the write path is the one that reuses prepared statements.
        return command;
    }

    private static List<T> ReadAll<T>(SqliteCommand command, Func<SqliteDataReader, T> row)
    {
        using (command)
        using (SqliteDataReader reader = command.ExecuteReader())
        {
            var rows = new List<T>();
            while (reader.Read())
            {
                rows.Add(row(reader));
            }

            return rows;
        }
    }

    private static byte[] Blob(SqliteDataReader reader, int ordinal) => reader.GetFieldValue<byte[]>(ordinal);

    private static DateTimeOffset Time(SqliteDataReader reader, int ordinal) => DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(ordinal));

    private static object? Scalar(SqliteConnection connection, string sql)
    {
        using SqliteCommand command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    private static void Execute(SqliteConnection connection, string sql, SqliteTransaction? transaction = null)
    {
        using SqliteCommand command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    /// <summary>A statement compiled once and run with new values each time; its parameters in the order the SQL names them.</summary>
    private sealed class Statement : IDisposable
    {
        private readonly SqliteCommand _command;

        public Statement(SqliteConnection connection, string sql)
        {
            _command = connection.CreateCommand();
            _command.CommandText = sql;
            foreach (System.Text.RegularExpressions.Match name in ParameterName().Matches(sql))
            {
                if (!_command.Parameters.Contains(name.Value))
                {
                    _command.Parameters.Add(new SqliteParameter(name.Value, null));
                }
            }

            _command.Prepare();
        }

        public void Run(SqliteTransaction transaction, params ReadOnlySpan<object> values)
        {
            _command.Transaction = transaction;
            for (int i = 0; i < values.Length; i++)
            {
                _command.Parameters[i].Value = values[i];
            }

            _command.ExecuteNonQuery();
        }

        public void Dispose() => _command.Dispose();
    }

    /// <summary>
    /// An append to the log of packed batches through SQLite's own statement API, inside the
    /// transaction open on the connection: a busy node appends many rows a flush, and binding
    /// by index without boxing costs a fraction of a command run per row.
    /// </summary>
    private sealed class RawInsert : IDisposable
    {
        private readonly SQLitePCL.sqlite3 _db;
        private readonly SQLitePCL.sqlite3_stmt _statement;

        public RawInsert(SqliteConnection connection, string sql)
        {
            _db = connection.Handle!;
            Check(SQLitePCL.raw.sqlite3_prepare_v2(_db, sql, out _statement), SQLitePCL.raw.SQLITE_OK);
        }

        public RawInsert Text(int index, string value)
        {
            Check(SQLitePCL.raw.sqlite3_bind_text(_statement, index, value), SQLitePCL.raw.SQLITE_OK);
            return this;
        }

        // An empty span would bind NULL, which the NOT NULL columns refuse.
        public RawInsert Blob(int index, ReadOnlySpan<byte> value)
        {
            Check(value.IsEmpty ? SQLitePCL.raw.sqlite3_bind_zeroblob(_statement, index, 0) : SQLitePCL.raw.sqlite3_bind_blob(_statement, index, value), SQLitePCL.raw.SQLITE_OK);
            return this;
        }

        public RawInsert Int64(int index, long value)
        {
            Check(SQLitePCL.raw.sqlite3_bind_int64(_statement, index, value), SQLitePCL.raw.SQLITE_OK);
            return this;
        }

        /// <summary>Inserts the row bound, and resets the statement for the next.</summary>
        public void Run()
        {
            try
            {
                Check(SQLitePCL.raw.sqlite3_step(_statement), SQLitePCL.raw.SQLITE_DONE);
            }
            finally
            {
                SQLitePCL.raw.sqlite3_reset(_statement);
            }
        }

        public void Dispose() => _statement.Dispose();

        private void Check(int result, int expected)
        {
            if (result != expected)
            {
                throw new SqliteException(SQLitePCL.raw.sqlite3_errmsg(_db).utf8_to_string(), result);
            }
        }
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"\$[a-z_]+")]
    private static partial System.Text.RegularExpressions.Regex ParameterName();

    /// <summary>The file is not a usable database; it is set aside rather than reported.</summary>
    private sealed class DamagedFileException : Exception
    {
        public DamagedFileException(string message, Exception? inner = null)
            : base(message, inner)
        {
        }
    }
}
