using System.Net;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using DhtNet.Internal;
using DhtNet.Mainline.Krpc;
using DhtNet.Mainline.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace DhtNet.Benchmarks;

/// <summary>
/// What keeping state costs a serving node: announce_peer and (immutable) put queries answered by
/// the node's query handler, token check and store included, with the SQLite state store recording
/// every change (flushing every 5 s in the background, as a node does) and without (the Op/s column
/// is queries per second), with the flush that writes them counted or not; and the time a node takes to restore 100,000 stored peers at
/// start, or to start from a file of 100,000 stored items (it restores the 10,000 its item store holds).
/// Each invocation serves the next 10,000 of 80,000 distinct queries, so every recorded change is a
/// new entry for the flush to write (a replayed one would coalesce with the one still waiting).
/// </summary>
[MemoryDiagnoser]
[Config(typeof(QueriesPerSecondConfig))]
public class MainlinePersistenceBenchmarks
{
    public const int Queries = 10_000;
    private const int Distinct = 8 * Queries;
    private const int RestoredPeers = 100_000;
    private const int StoredItems = 100_000;

    private readonly AnnouncePeerQuery[] _announces = new AnnouncePeerQuery[Distinct];
    private readonly PutQuery[] _puts = new PutQuery[Distinct];
    private readonly IPEndPoint[] _sources = new IPEndPoint[Distinct];
    private int _next;
    private string _directory = "";
    private SqliteStateStore? _store;
    private Serving _serving = null!;

    [Params(false, true)]
    public bool Persistence { get; set; }

    [GlobalSetup(Targets = [nameof(Announce), nameof(Put), nameof(AnnounceAndFlush), nameof(PutAndFlush)])]
    public void SetupServing()
    {
        var time = TimeProvider.System;
        var options = new DhtOptions { MaxQueriesPerSecondPerAddress = 0 };
        var peers = new PeerStore(new PeerStoreOptions(), time);
        var items = new ItemStore(new ItemStoreOptions { MaxItems = Distinct }, time);
        var tokens = new TokenManager(time);
        var tables = new DualStackTables(NodeId.Random(), [new IPEndPoint(IPAddress.Loopback, 6881)], time, new RoutingTableOptions(), new RoutingUpkeepOptions(), false, NullLogger.Instance);
        _serving = new Serving(tables, peers, items, tokens, new AddressRateLimiter(time, 0, 0), new NodeEvents(this, NullLogger.Instance), options);
        if (Persistence)
        {
            _directory = Directory.CreateTempSubdirectory("dhtnet-bench-serving-").FullName;
            _store = SqliteStateStore.Open(_directory);
            var state = new MainlineState(_store, time, options.PeerTimeToLive, items.Options.ItemLifetime);
            peers.Observer = state;
            items.Observer = state;
        }

        var sender = NodeId.Random();
        for (int i = 0; i < Distinct; i++)
        {
            var source = new IPEndPoint(new IPAddress([10, (byte)(i >> 16), (byte)(i >> 8), (byte)i]), 6881);
            var infoHash = NodeId.Random();
            byte[] value = System.Text.Encoding.ASCII.GetBytes($"i{i}e");
            _sources[i] = source;
            _announces[i] = new AnnouncePeerQuery(sender, infoHash, 7000, tokens.CreateToken(source.Address, infoHash));
            _puts[i] = new PutQuery(sender, tokens.CreateToken(source.Address, NodeId.Sha1(value)), value);
        }
    }

    [GlobalSetup(Target = nameof(Restore))]
    public void SetupRestore() => WriteStateFile("dhtnet-bench-restore-", store =>
    {
        var expires = DateTimeOffset.UtcNow.AddMinutes(29);
        for (int i = 0; i < RestoredPeers; i++)
        {
            byte[] infoHash = new byte[NodeId.Size];
            BitConverter.TryWriteBytes(infoHash, i / 100);
            store.RecordPeer(MainlineState.Network, new SavedPeer(infoHash, [10, (byte)(i >> 16), (byte)(i >> 8), (byte)i, 0x1A, 0xE1], false, expires));
        }
    });

    [GlobalSetup(Target = nameof(RestoreItems))]
    public void SetupRestoreItems() => WriteStateFile("dhtnet-bench-restore-items-", store =>
    {
        var expires = DateTimeOffset.UtcNow.AddMinutes(119);
        for (int i = 0; i < StoredItems; i++)
        {
            // Immutable items of a 100-byte string each, as a put stores them.
            byte[] value = System.Text.Encoding.ASCII.GetBytes($"100:{i,100}");
            var target = NodeId.Sha1(value);
            var item = new DhtItem(target, false, value, default, default, 0, default);
            store.RecordItem(MainlineState.Network, new SavedItem(target.ToArray(), MainlineState.EncodeItem(item), expires));
        }
    });

    [GlobalCleanup]
    public void Cleanup()
    {
        _store?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _store = null;
        if (_directory.Length > 0)
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Benchmark(OperationsPerInvoke = Queries)]
    public int Announce()
    {
        int answered = 0;
        int first = NextWindow();
        for (int i = first; i < first + Queries; i++)
        {
            answered += _serving.Handle(_announces[i], _sources[i]) is KrpcResponse ? 1 : 0;
        }

        return answered;
    }

    [Benchmark(OperationsPerInvoke = Queries)]
    public int Put()
    {
        int answered = 0;
        int first = NextWindow();
        for (int i = first; i < first + Queries; i++)
        {
            answered += _serving.Handle(_puts[i], _sources[i]) is KrpcResponse ? 1 : 0;
        }

        return answered;
    }

    /// <summary>
    /// Announce with the write included: the invocation ends with a flush of what it journaled, so
    /// the figure is all the CPU (and allocation) an announce costs a node that keeps state, the
    /// flushing thread's share too; without persistence it equals <see cref="Announce"/>.
    /// </summary>
    [Benchmark(OperationsPerInvoke = Queries)]
    public Task<int> AnnounceAndFlush() => FlushAfter(Announce());

    /// <summary>Put with the write included, as <see cref="AnnounceAndFlush"/>.</summary>
    [Benchmark(OperationsPerInvoke = Queries)]
    public Task<int> PutAndFlush() => FlushAfter(Put());

    /// <summary>Opens the saved state and restores 100,000 peers into a new node (Persistence has no effect here).</summary>
    [Benchmark]
    public Task<int> Restore() => RestoreNodeAsync(node => node.Peers.Count);

    /// <summary>Opens a file of 100,000 stored items and starts a node from it (Persistence has no effect here).</summary>
    [Benchmark]
    public Task<int> RestoreItems() => RestoreNodeAsync(node => node.Items.Count);

    /// <summary>A state file in a new temporary directory, holding what <paramref name="record"/> records.</summary>
    private void WriteStateFile(string prefix, Action<SqliteStateStore> record)
    {
        _directory = Directory.CreateTempSubdirectory(prefix).FullName;
        var store = SqliteStateStore.Open(_directory);
        record(store);
        store.FlushAsync().GetAwaiter().GetResult();
        store.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    private async Task<int> RestoreNodeAsync(Func<DhtNode, int> restored)
    {
        await using var store = SqliteStateStore.Open(_directory);
        var network = new InMemoryNetwork(TimeProvider.System);
        await using var node = new DhtNode(network.CreateTransport(), new DhtOptions { StateStore = store, BootstrapNodes = [] });
        await node.RestoreStateAsync();
        network.Dispose();
        return restored(node);
    }

    private async Task<int> FlushAfter(int answered)
    {
        if (_store is not null)
        {
            await _store.FlushAsync();
        }

        return answered;
    }

    private int NextWindow()
    {
        int first = _next;
        _next = (_next + Queries) % Distinct;
        return first;
    }

    private sealed class QueriesPerSecondConfig : ManualConfig
    {
        public QueriesPerSecondConfig()
        {
            AddColumn(StatisticColumn.Median, StatisticColumn.OperationsPerSecond);
        }
    }
}
