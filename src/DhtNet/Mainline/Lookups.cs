using DhtNet.Lookup;
using DhtNet.Mainline.Krpc;
using DhtNet.Routing;

namespace DhtNet.Mainline;

/// <summary>
/// Runs the iterative lookups of every operation: one per address family at once, seeded from
/// that family's routing table, merged into one result; reports each finished lookup (event and
/// duration histogram). The operations differ only in the <see cref="LookupRequest"/> they pass.
/// </summary>
internal sealed class Lookups(DualStackTables tables, DhtOptions options, NodeEvents events, NodeMetrics? metrics, CancellationToken shutdown)
{
    /// <summary>Runs one lookup per address family at once and merges what they found.</summary>
    /// <param name="operation">The operation's name, as <see cref="LookupCompletedEventArgs.Operation"/> gives it.</param>
    /// <param name="target">The key to converge on.</param>
    /// <param name="request">Asks one node.</param>
    /// <param name="seeds">Candidates besides the routing table's (bootstrap answers).</param>
    /// <param name="started">When given, each lookup is added as it starts, so the operation can stop them.</param>
    /// <param name="prefer">BEP 42: candidates to prefer among equals (storage prefers verified ids).</param>
    /// <param name="cancellationToken">Cancels the lookups.</param>
    public async Task<LookupResult> RunAsync(
        string operation,
        NodeId target,
        LookupRequest request,
        IReadOnlyList<NodeInfo> seeds,
        List<IterativeLookup>? started = null,
        Func<NodeInfo, bool>? prefer = null,
        CancellationToken cancellationToken = default)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, shutdown);
        var runs = new List<Task<LookupResult>>();
        foreach (var table in tables.All)
        {
            var familySeeds = seeds.Where(s => CompactEncoding.Family(s.EndPoint) == table.AddressFamily).ToList();
            runs.Add(Start(target, table, request, familySeeds, started, prefer, linked.Token));
        }

        var results = await Task.WhenAll(runs).ConfigureAwait(false);
        var closest = results.SelectMany(r => r.ClosestNodes).OrderBy(n => n.Id.Xor(target)).Take(options.K * Math.Max(1, results.Length)).ToList();
        var statistics = new LookupStatistics(
            results.Sum(r => r.Statistics.Queried),
            results.Sum(r => r.Statistics.Answered),
            results.Sum(r => r.Statistics.TimedOut),
            results.Length == 0 ? TimeSpan.Zero : results.Max(r => r.Statistics.Elapsed))
        {
            Abandoned = results.Sum(r => r.Statistics.Abandoned),
        };
        Completed(operation, target, statistics);
        return new LookupResult(closest, statistics);
    }

    /// <summary>Refreshes one bucket of one table: a find_node lookup of a random id in its range.</summary>
    public async Task RefreshAsync(NodeId target, RoutingTable table, LookupRequest request, CancellationToken cancellationToken)
    {
        var result = await Start(target, table, request, [], null, null, cancellationToken).ConfigureAwait(false);
        Completed("refresh", target, result.Statistics);
    }

    /// <summary>
    /// Ends every lookup of an operation. From inside a request (<paramref name="afterReply"/>), each
    /// ends once the answer in hand is counted; from outside (a timeout, a reader that left), at once.
    /// </summary>
    public static void StopAll(List<IterativeLookup> lookups, bool afterReply = false)
    {
        IterativeLookup[] all;
        lock (lookups)
        {
            all = [.. lookups];
        }

        foreach (var lookup in all)
        {
            if (afterReply)
            {
                lookup.StopAfterReply();
            }
            else
            {
                lookup.Stop();
            }
        }
    }

    private Task<LookupResult> Start(
        NodeId target,
        RoutingTable table,
        LookupRequest request,
        IReadOnlyList<NodeInfo> seeds,
        List<IterativeLookup>? started,
        Func<NodeInfo, bool>? prefer,
        CancellationToken cancellationToken)
    {
        var lookupOptions = prefer is null ? options.LookupOptions : options.LookupOptions with { Prefer = prefer };
        var lookup = new IterativeLookup(target, request, lookupOptions, options.TimeProvider, tables.Id);
        lookup.AddCandidates(table.FindClosest(target, options.K * 2));
        lookup.AddCandidates(seeds);
        if (started is not null)
        {
            lock (started)
            {
                started.Add(lookup);
            }
        }

        return lookup.RunAsync(cancellationToken);
    }

    private void Completed(string operation, NodeId target, LookupStatistics statistics)
    {
        metrics?.LookupCompleted(operation, statistics);
        events.OnLookupCompleted(operation, target, statistics);
    }
}
