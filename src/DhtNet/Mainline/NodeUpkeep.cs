using System.Net;
using DhtNet.Internal;
using DhtNet.Kademlia;
using DhtNet.Mainline.Bep42;
using Microsoft.Extensions.Logging;

namespace DhtNet.Mainline;

/// <summary>
/// The node-level rules of routing upkeep that a single table's <see cref="RoutingUpkeep{TKey, TContact}"/>
/// cannot see: bootstrap of both families at once (and again only when both tables are empty, since
/// one family may simply have no peers), and BEP 42 identity (a new id once other nodes agree on our
/// external address, then a lookup of it). Pings and bucket refresh are each table's upkeep's.
/// </summary>
internal sealed class NodeUpkeep(
    DualStackTables tables,
    Requests requests,
    Lookups lookups,
    ExternalAddressVoter voter,
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
        var seeds = await requests.GetBootstrapContactsAsync(extra, cancellationToken).ConfigureAwait(false);
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

    /// <summary>Once a minute: bootstrap again when both tables are empty (each table refreshes its own stale buckets).</summary>
    public void Maintain()
    {
        if (tables.Count == 0 && options.BootstrapNodes.Count > 0)
        {
            // Every node was lost (or none ever answered): start over from the bootstrap nodes.
            RebootstrapAsync().Observe(logger, "bootstrap again");
        }
    }

    /// <summary>
    /// BEP 42: once several nodes agree on our external address, take an id that is valid for it,
    /// unless the user fixed our id.
    /// </summary>
    public void OnExternalAddressReported(IPAddress reporter, IPAddress reported)
    {
        var before = voter.ExternalAddress;
        if (!voter.AddVote(reporter, reported) || options.NodeId is not null || shutdown.IsCancellationRequested)
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

    private Task<LookupResult<NodeInfo>> LookUpOurIdAsync(NodeId id, IReadOnlyList<NodeInfo> seeds, CancellationToken cancellationToken) =>
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
}
