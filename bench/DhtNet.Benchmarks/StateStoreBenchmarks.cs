using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;

namespace DhtNet.Benchmarks;

/// <summary>
/// The state store's cost: recording 10,000 announced peers or BEP 44 items and flushing them in
/// one batch (the Op/s column is records per second), for the SQLite store and the in-memory one; and loading
/// 100,000 stored peers or 100,000 stored items, what a node reads at start.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(RecordsPerSecondConfig))]
public class StateStoreBenchmarks
{
    public const int Batch = 10_000;
    private const int StoredPeers = 100_000;
    private const int StoredItems = 100_000;
    private const string Network = "mainline";

    private static readonly DateTimeOffset Expires = DateTimeOffset.UtcNow.AddDays(1);

    private readonly SavedPeer[] _peers = new SavedPeer[Batch];
    private readonly SavedItem[] _items = new SavedItem[Batch];
    // Each load reads one kind: the fixture holds both.
    private readonly DhtStateLimits _peerLimits = new() { MaxPeers = StoredPeers, MaxPeersPerInfoHash = 100, MaxItems = 0 };
    private readonly DhtStateLimits _itemLimits = new() { MaxPeers = 0, MaxItems = StoredItems };
    private string _directory = "";
    private IDhtStateStore _store = null!;

    [Params("sqlite", "memory")]
    public string Store { get; set; } = "sqlite";

    [GlobalSetup]
    public void Setup()
    {
        _directory = Directory.CreateTempSubdirectory("dhtnet-bench-state-").FullName;
        _store = Store == "sqlite" ? SqliteStateStore.Open(_directory) : new InMemoryStateStore();
        for (int i = 0; i < Batch; i++)
        {
            byte[] key = new byte[20];
            BitConverter.TryWriteBytes(key, i);
            _peers[i] = new SavedPeer(key, [10, 0, (byte)(i >> 8), (byte)i, 0x1A, 0xE1], i % 3 == 0, Expires);
            _items[i] = new SavedItem(key, new byte[200], Expires);
        }

        // 100,000 peers in 1,000 swarms of 100, stored for LoadPeers.
        for (int i = 0; i < StoredPeers; i++)
        {
            byte[] infoHash = new byte[20];
            infoHash[0] = 0xFF;
            BitConverter.TryWriteBytes(infoHash.AsSpan(1), i / 100);
            _store.RecordPeer(Network, new SavedPeer(infoHash, [10, 1, (byte)(i >> 8), (byte)i, 0x1A, 0xE1], false, Expires));
        }

        _store.FlushAsync().GetAwaiter().GetResult();

        // 100,000 items of 200 bytes for LoadItems100k.
        for (int i = 0; i < StoredItems; i++)
        {
            byte[] target = new byte[20];
            target[0] = 0xFF;
            BitConverter.TryWriteBytes(target.AsSpan(1), i);
            _store.RecordItem(Network, new SavedItem(target, new byte[200], Expires));
        }

        _store.FlushAsync().GetAwaiter().GetResult();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _store.DisposeAsync().AsTask().GetAwaiter().GetResult();
        Directory.Delete(_directory, recursive: true);
    }

    [Benchmark(OperationsPerInvoke = Batch)]
    public Task RecordAndFlushPeers()
    {
        foreach (SavedPeer peer in _peers)
        {
            _store.RecordPeer(Network, peer);
        }

        return _store.FlushAsync();
    }

    [Benchmark(OperationsPerInvoke = Batch)]
    public Task RecordAndFlushItems()
    {
        foreach (SavedItem item in _items)
        {
            _store.RecordItem(Network, item);
        }

        return _store.FlushAsync();
    }

    /// <summary>The cost of recording alone, what the serving path pays per announce.</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public int RecordPeersOnly()
    {
        foreach (SavedPeer peer in _peers)
        {
            _store.RecordPeer(Network, peer);
        }

        return _store.DroppedChanges > 0 ? 1 : 0;
    }

    [Benchmark]
    public async Task<int> LoadPeers100k()
    {
        DhtState state = await _store.LoadAsync(Network, _peerLimits);
        return state.Peers.Count;
    }

    [Benchmark]
    public async Task<int> LoadItems100k()
    {
        DhtState state = await _store.LoadAsync(Network, _itemLimits);
        return state.Items.Count;
    }

    /// <summary>Median and operations per second: with OperationsPerInvoke the latter is records per second.</summary>
    private sealed class RecordsPerSecondConfig : ManualConfig
    {
        public RecordsPerSecondConfig()
        {
            AddColumn(StatisticColumn.Median, StatisticColumn.OperationsPerSecond);
        }
    }
}
