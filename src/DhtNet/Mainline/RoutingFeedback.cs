using System.Net;
using DhtNet.Routing;

namespace DhtNet.Mainline;

/// <summary>What one exchange with a node says about it, for its routing-table entry.</summary>
internal enum RequestOutcome
{
    /// <summary>It sent us a valid query.</summary>
    Queried,

    /// <summary>It answered one of our queries.</summary>
    Responded,

    /// <summary>It did not answer one of our queries.</summary>
    Failed,
}

/// <summary>
/// The one place through which every answered and every failed request (and every valid query we
/// receive) reaches the routing tables: a node that answers or asks is added or refreshed, a node
/// that fails is counted against, and a questionable node that a newcomer would replace is handed
/// to <paramref name="pingQuestionable"/> (routing upkeep) to be pinged first.
/// </summary>
internal sealed class RoutingFeedback(DualStackTables tables, NodeEvents events, Action<NodeInfo> pingQuestionable)
{
    public void OnOutcome(IPEndPoint endPoint, NodeId id, RequestOutcome outcome)
    {
        if (tables.For(endPoint) is not { } table)
        {
            return;
        }

        if (outcome == RequestOutcome.Failed)
        {
            if (table.RecordFailure(id) is { Promoted: { } promoted })
            {
                events.OnNodeAdded(promoted);
            }

            return;
        }

        if (id == tables.Id)
        {
            return;
        }

        var node = new NodeInfo(id, endPoint);
        var result = table.AddOrUpdate(node, outcome == RequestOutcome.Responded ? NodeContact.Responded : NodeContact.Queried);
        if (result.Outcome is AddOutcome.Added or AddOutcome.ReplacedBad)
        {
            events.OnNodeAdded(node);
        }

        if (result.PingCandidate is { } questionable)
        {
            pingQuestionable(questionable);
        }
    }
}
