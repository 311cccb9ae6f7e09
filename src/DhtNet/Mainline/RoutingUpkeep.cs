using System.Net;
using System.Net.Sockets;
using DhtNet.Internal;
using DhtNet.Lookup;
using DhtNet.Mainline.Bep42;
using DhtNet.Mainline.Krpc;
using Microsoft.Extensions.Logging;

namespace DhtNet.Mainline;

/// <summary>
/// Keeps the routing tables alive: bootstrap (and bootstrap again when every node was lost),
/// refresh of stale buckets, pings of questionable nodes before a newcomer replaces them, and
/// BEP 42 identity (a new id once other nodes agree on our external address).
/// </summary>
internal sealed class RoutingUpkeep(
    DualStackTables tables,
    Requests requests,
    Lookups lookups,
    ExternalAddressVoter voter,
    NodeEvents events,
    DhtOptions options,
    ILogger logger,
    CancellationToken shutdown)
{
    private volatile bool _bootstrapped;
    private int _rebootstrapping; // 1 while a bootstrap after start runs

    /// <summary>
    /// Asks the bootstrap nodes (and <paramref name="extra"/>, nodes added before start) for our
    /// neighbours, then looks up our own id from what they named.
    /// </summary>
    public async Task BootstrapAsync(IReadOnlyList<IPEndPoint> extra, CancellationToken cancellationToken)
    {
        var endPoints = new List<IPEndPoint>(extra);
        foreach (string entry in options.BootstrapNodes)
        {
            try
            {
                endPoints.AddRange(await HostPort.Parse(entry, nameof(DhtOptions.BootstrapNodes)).ResolveAsync(cancellationToken).ConfigureAwait(false));
            }
            catch (SocketException e)
            {
                events.OnWarning($"bootstrap node {entry} could not be resolved", e);
            }
        }

        // Ask each bootstrap node for our neighbours; its answer puts it and them in reach.
        var asks = new List<Task<LookupReply>>();
        foreach (var endPoint in endPoints.Distinct())
        {
            if (tables.For(endPoint) is not null)
            {
                asks.Add(requests.FindNodeFromBootstrapAsync(tables.Id, endPoint, cancellationToken));
            }
        }

        var replies = await Task.WhenAll(asks).ConfigureAwait(false);
        var seeds = replies.Where(r => r.Answered).SelectMany(r => r.Nodes).ToList();
        if (asks.Count > 0 && seeds.Count == 0 && tables.Count == 0)
        {
            events.OnWarning($"no bootstrap node answered ({asks.Count} tried)");
        }

        var target = tables.Id;
        var result = await LookUpOurIdAsync(target, seeds, cancellationToken).ConfigureAwait(false);
        // BEP 42: our id may have changed during that lookup; the new id's neighbours must learn of us too.
        if (tables.Id != target)
        {
            target = tables.Id;
            result = await LookUpOurIdAsync(target, [], cancellationToken).ConfigureAwait(false);
        }

        _bootstrapped = true;
        Log.Bootstrapped(logger, tables.Count, result.Statistics.Queried, result.Statistics.Answered);
    }

    /// <summary>Once a minute: bootstrap again when the tables are empty, else refresh stale buckets.</summary>
    public void Maintain()
    {
        if (tables.Count == 0 && options.BootstrapNodes.Count > 0)
        {
            // Every node was lost (or none ever answered): start over from the bootstrap nodes.
            RebootstrapAsync().Observe(logger, "bootstrap again");
        }
        else
        {
            RefreshStaleBucketsAsync().Observe(logger, "bucket refresh");
        }
    }

    /// <summary>A questionable node is pinged before it may be evicted for a newcomer.</summary>
    public void PingQuestionable(NodeInfo node) => PingQuestionableAsync(node).Observe(logger, "ping of a questionable node");

    /// <summary>
    /// BEP 42: once several nodes agree on our external address, take an id that is valid for it,
    /// unless the user fixed our id.
    /// </summary>
    public void OnExternalAddressReported(IPAddress reporter, IPAddress reported)
    {
        var before = voter.ExternalAddress;
        if (!voter.AddVote(reporter, reported) || options.NodeId is not null)
        {
            return;
        }

        if (voter.ExternalAddress is not { } external || external.Equals(before) || NodeIdSecurity.IsAcceptable(tables.Id, external))
        {
            return;
        }

        tables.ChangeId(NodeIdSecurity.GenerateId(external));
        Log.IdChanged(logger, external, tables.Id);
        if (_bootstrapped)
        {
            // After bootstrap nothing else would tell the new id's neighbours about us.
            LookUpOurIdAsync(tables.Id, [], shutdown).Observe(logger, "lookup of our new id");
        }
    }

    private Task<LookupResult> LookUpOurIdAsync(NodeId id, IReadOnlyList<NodeInfo> seeds, CancellationToken cancellationToken) =>
        lookups.RunAsync("bootstrap", id, requests.FindNode(id), seeds, cancellationToken: cancellationToken);

    private async Task RebootstrapAsync()
    {
        if (Interlocked.Exchange(ref _rebootstrapping, 1) != 0)
        {
            return;
        }

        try
        {
            Log.Rebootstrapping(logger);
            await BootstrapAsync([], shutdown).ConfigureAwait(false);
        }
        finally
        {
            Volatile.Write(ref _rebootstrapping, 0);
        }
    }

    private async Task RefreshStaleBucketsAsync()
    {
        var work = new List<Task>();
        foreach (var table in tables.All)
        {
            var stale = table.GetBucketsToRefresh();
            if (stale.Count > 0)
            {
                Log.Refreshing(logger, stale.Count);
            }

            foreach (var bucket in stale)
            {
                table.MarkRefreshed(bucket.Target);
                work.Add(lookups.RefreshAsync(bucket.Target, table, requests.FindNode(bucket.Target), shutdown));
            }
        }

        await Task.WhenAll(work).ConfigureAwait(false);
    }

    private async Task PingQuestionableAsync(NodeInfo node)
    {
        var result = await requests.AskAsync(new PingQuery(tables.Id), node.EndPoint, shutdown).ConfigureAwait(false);
        if (!result.IsResponse)
        {
            requests.ReportFailure(node);
        }
    }
}
