using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
#if KADEMLIA_BASELINE
using OldTable = DhtNet.Benchmarks.Baseline.Routing.RoutingTable;
#endif

namespace DhtNet.Benchmarks;

/// <summary>
/// The Kademlia core against the table and lookup from before the redesign, in the two ways a
/// BenchmarkDotNet run on a shared, busy machine cannot give reliably:
/// memory, the warm tables of an n-node network (what <c>dht simulate</c> imports into every node)
/// built as routing tables, in bytes per table after a full collection; and time, the operations of
/// <see cref="KademliaCoreBenchmarks"/> run old and new in alternating short bursts, so that both
/// see the same load, as the median ns per operation and the median of the per-round ratios.
/// Like with like: both sides are warmed up the same way (past tiered compilation), each round gives
/// both the same number of calls on the same inputs (same targets, same contacts), the side that goes
/// first alternates. Collections are left to fall where they fall, in proportion to what each side
/// allocates, so that allocation is part of the cost.
/// Run <c>bench/DhtNet.Benchmarks/Baseline/extract.sh</c>, then
/// <c>dotnet run -c Release --project bench/DhtNet.Benchmarks -- kademlia [--nodes 10000] [--rounds 401] [--only UpdateKnown] [--no-memory]</c>.
/// </summary>
internal static class KademliaCoreComparison
{
    private static readonly TimeSpan Burst = TimeSpan.FromMilliseconds(1);
    private static readonly TimeSpan WarmUp = TimeSpan.FromSeconds(3);

    public static void Run(string[] args)
    {
#if KADEMLIA_BASELINE
        int nodes = BenchOptions.Int(args, "--nodes", 10_000);
        int rounds = BenchOptions.Int(args, "--rounds", 401);
        int only = Array.IndexOf(args, "--only");
        if (!args.Contains("--no-memory") && only < 0)
        {
            Memory(nodes);
        }

        Time(rounds, only >= 0 && only + 1 < args.Length ? args[only + 1] : null);
#else
        _ = args;
        Console.Error.WriteLine("The baseline is not compiled in: run bench/DhtNet.Benchmarks/Baseline/extract.sh and build again.");
#endif
    }

#if KADEMLIA_BASELINE
    private static void Memory(int count)
    {
        var random = new Random(1);
        var nodes = Enumerable.Range(0, count).Select(i => new NodeInfo(NodeId.Random(random), KademliaCoreBenchmarks.Address(i))).ToArray();
        var contents = WarmTables.Build(nodes, 8, random);
        long entries = contents.Sum(c => (long)c.Count);

        var (newBytes, newTables) = Measure(() => nodes.Select((n, i) =>
        {
            var table = new RoutingTable<NodeId, NodeInfo>(n.Id, new MainlinePolicy(AddressFamily.InterNetwork), TimeProvider.System);
            table.Import(contents[i]);
            return table;
        }).ToArray());
        var (oldBytes, oldTables) = Measure(() => nodes.Select((n, i) =>
        {
            var table = new OldTable(n.Id, AddressFamily.InterNetwork, TimeProvider.System);
            table.Import(contents[i]);
            return table;
        }).ToArray());

        long held = newTables.Sum(t => (long)t.Count + t.ReplacementCount);
        long oldHeld = oldTables.Sum(t => (long)t.Count + t.ReplacementCount);
        Console.WriteLine($"Warm tables of a {count:N0}-node network ({entries / (double)count:F1} contacts offered per table; held: new {held / (double)count:F1}, old {oldHeld / (double)count:F1}):");
        Console.WriteLine("| table | bytes per table | bytes per entry held | new/old |");
        Console.WriteLine("|---|---:|---:|---:|");
        Console.WriteLine(Invariant($"| old (09d80f2) | {oldBytes / count:N0} | {oldBytes / (double)oldHeld:F0} | 1.00 |"));
        Console.WriteLine(Invariant($"| new | {newBytes / count:N0} | {newBytes / (double)held:F0} | {newBytes / (double)oldBytes:F2} |"));
    }

    // Managed bytes that the result of build holds, after full collections on both sides.
    private static (long Bytes, T Result) Measure<T>(Func<T> build)
    {
        long before = GC.GetTotalMemory(forceFullCollection: true);
        var result = build();
        long after = GC.GetTotalMemory(forceFullCollection: true);
        GC.KeepAlive(result);
        return (after - before, result);
    }

    private static void Time(int rounds, string? only)
    {
        var bench = new KademliaCoreBenchmarks();
        bench.Setup();
        (string Name, Func<int> New, Func<int> Old)[] pairs =
        [
            ("FindClosest8", bench.FindClosest8, bench.OldFindClosest8),
            ("UpdateKnown", () => (int)bench.UpdateKnown(), () => (int)bench.OldUpdateKnown()),
            ("Lookup1000", bench.Lookup1000, bench.OldLookup1000),
        ];

        Console.WriteLine();
        Console.WriteLine($"Old and new alternating, {rounds} rounds of {Burst.TotalMilliseconds:F0} ms bursts each (ns per operation):");
        Console.WriteLine("| operation | old median | new median | old min | new min | median of new/old ratios |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|");
        foreach (var (name, newOp, oldOp) in pairs)
        {
            if (only is not null && !name.Equals(only, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            int perBurst = Math.Max(1, (int)(Burst.Ticks / Math.Max(1, Math.Min(Calibrate(newOp), Calibrate(oldOp)))));

            // Both warmed up alike, in the loop that times them, until tiered compilation has settled
            // (it recompiles hot methods, the runtime's own among them, for a second or more after the
            // first calls); then both start again from the same input.
            var warmUp = Stopwatch.StartNew();
            for (int r = 0; warmUp.Elapsed < WarmUp; r++)
            {
                Round(r, newOp, oldOp, perBurst);
            }

            bench.Rewind();
            var newTimes = new double[rounds];
            var oldTimes = new double[rounds];
            var ratios = new double[rounds];
            for (int r = 0; r < rounds; r++)
            {
                (newTimes[r], oldTimes[r]) = Round(r, newOp, oldOp, perBurst);
                ratios[r] = newTimes[r] / oldTimes[r];
            }

            Console.WriteLine(Invariant($"| {name} | {Median(oldTimes):N1} | {Median(newTimes):N1} | {oldTimes.Min():N1} | {newTimes.Min():N1} | {Median(ratios):F2} |"));
        }
    }

    // One burst of each, in ns per operation; which goes first alternates, so that a change of load
    // between the two halves evens out.
    private static (double New, double Old) Round(int round, Func<int> newOp, Func<int> oldOp, int perBurst)
    {
        if (round % 2 == 0)
        {
            double newTime = NsPerOp(newOp, perBurst);
            return (newTime, NsPerOp(oldOp, perBurst));
        }

        double oldTime = NsPerOp(oldOp, perBurst);
        return (NsPerOp(newOp, perBurst), oldTime);
    }

    // Ticks per operation after a short warm-up, to size the bursts.
    private static long Calibrate(Func<int> op)
    {
        for (int i = 0; i < 1_000; i++)
        {
            op();
        }

        var clock = Stopwatch.StartNew();
        int n = 0;
        while (clock.ElapsedMilliseconds < 50)
        {
            op();
            n++;
        }

        return clock.Elapsed.Ticks / n;
    }

    // Compiled optimized at once: the timing loop itself neither tiers up nor jumps into OSR code mid-run.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static double NsPerOp(Func<int> op, int count)
    {
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < count; i++)
        {
            op();
        }

        return Stopwatch.GetElapsedTime(start).TotalNanoseconds / count;
    }

    private static double Median(double[] values)
    {
        var sorted = values.Order().ToArray();
        return sorted[sorted.Length / 2];
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
#endif
}
