using System.Diagnostics;
using System.Globalization;

namespace DhtNet.Benchmarks;

/// <summary>
/// Side-by-side lookups with alpha 3, 5 and 8 on one simulated 2,000-node network, without and with
/// 20% packet loss: three probe nodes that differ only in alpha look up the same random targets, and
/// the table shows the median and 90th percentile of virtual latency, queries sent and timeouts, and
/// how often the lookup returned exactly the true K closest nodes.
/// Run: <c>dotnet run -c Release --project bench/DhtNet.Benchmarks -- alpha [--nodes 2000] [--lookups 300]</c>.
/// </summary>
internal static class AlphaComparison
{
    private static readonly int[] Alphas = [3, 5, 8];

    // Each query sent once (as libtorrent does), the library default of 4 copies, and 8 copies (one
    // every 375 ms within the 3 s timeout), without and with 20% loss each way.
    private static readonly (double Loss, int Attempts)[] Scenarios = [(0.0, 1), (0.0, 4), (0.2, 1), (0.2, 4), (0.2, 8)];

    public static void Run(string[] args)
    {
        int nodes = BenchOptions.Int(args, "--nodes", 2_000);
        int lookups = BenchOptions.Int(args, "--lookups", 300);
        var rows = new List<string>
        {
            "| loss | attempts | alpha | latency p50 | latency p90 | queries p50 | queries p90 | timeouts p50 | timeouts p90 | datagrams (mean) | exact K closest |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        };

        foreach (var (loss, attempts) in Scenarios)
        {
            var clock = Stopwatch.StartNew();
            var template = new DhtOptions { QueryAttempts = attempts };
            var simulation = new DhtSimulation(new DhtSimulationOptions { Seed = 42, LossRate = loss, NodeTemplate = template });
            simulation.AddNodes(nodes);
            var probes = Alphas.Select(a => simulation.AddNode(simulation.Template with { Alpha = a })).ToArray();
            Console.Error.WriteLine($"loss {loss:P0}, {attempts} attempts: {nodes} nodes built in {clock.Elapsed.TotalSeconds:F1} s");

            var targets = Enumerable.Range(0, lookups).Select(_ => NodeId.Random(simulation.Random)).ToArray();
            var statistics = probes.Select(_ => new List<DhtNet.Kademlia.LookupStatistics>()).ToArray();
            var exact = new int[probes.Length];
            // Every copy of every query a probe sent (retransmissions included), per lookup.
            var sentBefore = probes.Select(p => p.Dispatcher!.QueriesSent).ToArray();
            // A few lookups at a time per probe, all probes side by side on the same network.
            foreach (var batch in targets.Chunk(20))
            {
                var runs = probes.Select(p => Task.WhenAll(batch.Select(t => p.QueryAsync(t)))).ToArray();
                simulation.Run(Task.WhenAll(runs));
                for (int i = 0; i < probes.Length; i++)
                {
                    var results = runs[i].Result;
                    for (int j = 0; j < batch.Length; j++)
                    {
                        statistics[i].Add(results[j].Statistics);
                        if (results[j].Nodes.Select(n => n.Id).SequenceEqual(simulation.TrueClosest(batch[j], probes[i].Options.K, except: probes[i])))
                        {
                            exact[i]++;
                        }
                    }
                }
            }

            for (int i = 0; i < probes.Length; i++)
            {
                var s = statistics[i];
                var latency = s.Select(x => x.Elapsed.TotalMilliseconds).ToArray();
                var queries = s.Select(x => (double)x.Queried).ToArray();
                var timeouts = s.Select(x => (double)(x.TimedOut - x.Abandoned)).ToArray();
                rows.Add(string.Create(CultureInfo.InvariantCulture,
                    $"| {loss:P0} | {attempts} | {Alphas[i]} | {Percentile(latency, 50):F0} ms | {Percentile(latency, 90):F0} ms | {Percentile(queries, 50):F0} | {Percentile(queries, 90):F0} | {Percentile(timeouts, 50):F0} | {Percentile(timeouts, 90):F0} | {(double)(probes[i].Dispatcher!.QueriesSent - sentBefore[i]) / lookups:F1} | {100.0 * exact[i] / lookups:F1}% |"));
            }

            Console.Error.WriteLine($"loss {loss:P0}, {attempts} attempts: {lookups} lookups per alpha done after {clock.Elapsed.TotalSeconds:F1} s");
            simulation.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }

        Console.WriteLine($"{nodes} nodes, {lookups} lookups per row, default options (K 8, 3 s request timeout, 750 ms soft timeout) but alpha and attempts;");
        Console.WriteLine("latency is virtual time (20-50 ms one way); timeouts are requests with no answer (not those abandoned at convergence).");
        Console.WriteLine();
        foreach (var row in rows)
        {
            Console.WriteLine(row);
        }
    }

    private static double Percentile(double[] values, int percent)
    {
        var sorted = values.Order().ToArray();
        int index = (int)Math.Ceiling(percent / 100.0 * sorted.Length) - 1;
        return sorted[Math.Clamp(index, 0, sorted.Length - 1)];
    }
}
