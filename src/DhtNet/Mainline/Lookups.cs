using System.Diagnostics;
using DhtNet.Diagnostics;
using DhtNet.Kademlia;
using DhtNet.Mainline.Krpc;

namespace DhtNet.Mainline;

/// <summary>
/// Runs the iterative lookups of every operation: one per address family at once, seeded from
/// that family's routing table, merged into one result; reports each finished lookup (event and
/// duration histogram). The operations differ only in the <see cref="LookupRequest{TContact}"/> they pass.
/// </summary>
internal sealed class Lookups(DualStackTables tables, Requests network, DhtOptions options, NodeEvents events, NodeMetrics? metrics, CancellationToken shutdown)
{
    /// <summary>Runs one lookup per address family at once and merges what they found.</summary>
    /// <param name="operation">The operation's name, as <see cref="LookupCompletedEventArgs.Operation"/> gives it.</param>
    /// <param name="target">The key to converge on.</param>
    /// <param name="request">Asks one node.</param>
    /// <param name="seeds">Candidates besides the routing table's (bootstrap answers).</param>
    /// <param name="started">When given, each lookup is added as it starts, so the operation can stop them.</param>
    /// <param name="prefer">BEP 42: candidates to prefer among equals (storage prefers verified ids).</param>
    /// <param name="cancellationToken">Cancels the lookups.</param>
    public async Task<LookupResult<NodeInfo>> RunAsync(
        string operation,
        NodeId target,
        LookupRequest<NodeInfo> request,
        IReadOnlyList<NodeInfo> seeds,
        List<IterativeLookup<NodeId, NodeInfo>>? started = null,
        Func<NodeInfo, bool>? prefer = null,
        CancellationToken cancellationToken = default)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, shutdown);

        // Null unless a listener samples the source: then the requests below become its children.
        // The tags are given at creation, so a sampler can choose by them (one node's lookups).
        using var activity = DhtActivity.Source.HasListeners()
            ? DhtActivity.Source.StartActivity(
                DhtActivity.LookupName,
                ActivityKind.Internal,
                default(ActivityContext),
                [
                    new(DhtActivity.OperationTag, operation),
                    new(DhtActivity.TargetTag, target.ToString()),
                    new(DhtActivity.LocalIdTag, tables.Id.ToString()),
                ])
            : null;

        var runs = new List<Task<LookupResult<NodeInfo>>>();
        foreach (var table in tables.All)
        {
            var family = ((MainlinePolicy)table.Policy).Family;
            var familySeeds = seeds.Where(s => CompactEncoding.Family(s.EndPoint) == family).ToList();
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
        return new LookupResult<NodeInfo>(closest, statistics);
    }

    /// <summary>
    /// Ends every lookup of an operation. From inside a request (<paramref name="afterReply"/>), each
    /// ends once the answer in hand is counted; from outside (a timeout, a reader that left), at once.
    /// </summary>
    public static void StopAll(List<IterativeLookup<NodeId, NodeInfo>> lookups, bool afterReply = false)
    {
        IterativeLookup<NodeId, NodeInfo>[] all;
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

    /// <summary>A lookup finished (one of an operation's, or the upkeep's bootstrap and refresh): the event and the duration histogram.</summary>
    public void Completed(string operation, NodeId target, LookupStatistics statistics)
    {
        // Requests still out at the end are no verdict on their nodes; given-up ones are.
        network.Timing.LookupCompleted(statistics.Queried - statistics.Abandoned, statistics.TimedOut - statistics.Abandoned);
        metrics?.LookupCompleted(operation, statistics);
        events.OnLookupCompleted(operation, target, statistics);
    }

    private Task<LookupResult<NodeInfo>> Start(
        NodeId target,
        RoutingTable<NodeId, NodeInfo> table,
        LookupRequest<NodeInfo> request,
        IReadOnlyList<NodeInfo> seeds,
        List<IterativeLookup<NodeId, NodeInfo>>? started,
        Func<NodeInfo, bool>? prefer,
        CancellationToken cancellationToken)
    {
        // Timeouts start from what this node's requests measured, so a dead node among the first
        // candidates is given up after a round trip or two, not after the first answer comes in.
        // A lookup that stores (prefer: put, announce) waits for every request's own outcome
        // instead: a slow live node given up there is a closest node that never gets the data
        // (a busy peer on loopback answering after the 150 ms floor did just that).
        var lookupOptions = options.LookupOptions;
        if (prefer is not null)
        {
            lookupOptions = lookupOptions with { Adaptive = null, ExtraPerFailure = 0 };
        }
        else if (network.LookupTimeouts() is { } timeouts)
        {
            // Narrow while the nodes asked answer, wide while dead ones hold the closest set (RequestsTiming.LookupAlpha).
            lookupOptions = lookupOptions with { Adaptive = timeouts, Alpha = network.Timing.LookupAlpha(options.Alpha) };
        }

        var lookup = new IterativeLookup<NodeId, NodeInfo>(
            target, request, lookupOptions, options.TimeProvider, tables.Id, prefer, accept: network.CanQuery);
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
}
