using BenchmarkDotNet.Attributes;
using DhtNet.Ipfs.Peers;

namespace DhtNet.Benchmarks.Ipfs;

/// <summary>
/// The key a bucket refresh sends: drawing random multihashes until one's SHA-256 shares the target's first
/// 16 bits (what the node did before, about 2^16 hashes per refresh) against a look-up in the prefix table
/// (<see cref="RefreshTargets"/>), and the one-off cost of building that table.
/// Run: <c>dotnet run -c Release --project bench/DhtNet.Benchmarks -- --filter '*RefreshTarget*' --job short</c>.
/// </summary>
[MemoryDiagnoser]
public class RefreshTargetBenchmarks
{
    private readonly Random _random = new(1);
    private Key256 _local;
    private RefreshTargets _table = null!;
    private Key256[] _targets = null!;
    private int _next;

    [GlobalSetup]
    public void Setup()
    {
        _local = Key256.Random(_random);
        _table = new RefreshTargets(_local, new Random(2));
        _table.KeyFor(_local);
        // Targets in the buckets a table of ~10^4 peers refreshes: depths 0 to 9.
        _targets = new Key256[64];
        for (int i = 0; i < _targets.Length; i++)
        {
            _targets[i] = KademliaKey.RandomWithPrefix(_local, i % 10, _random);
        }
    }

    [Benchmark(Baseline = true)]
    public byte[] PrefixSearch()
    {
        var target = _targets[_next++ & 63];
        var candidate = new byte[34];
        candidate[0] = 0x12;
        candidate[1] = 32;
        for (int attempt = 0; attempt < 1 << 20; attempt++)
        {
            _random.NextBytes(candidate.AsSpan(2));
            if (Key256.Sha256(candidate).CommonPrefixLength(target) >= 16)
            {
                break;
            }
        }

        return candidate;
    }

    [Benchmark]
    public byte[] PrefixTable() => _table.KeyFor(_targets[_next++ & 63]);

    [Benchmark]
    public byte[] BuildTableAndTakeOne() => new RefreshTargets(_local, new Random(_next++)).KeyFor(_local);
}
