using System.Net;
using DhtNet.Kademlia;
using Microsoft.Extensions.Logging;

namespace DhtNet.Mainline;

/// <summary>
/// The node's events, raised from one place: a user's handler that throws is logged and reported
/// through <see cref="Warning"/>, and never breaks the receive path or a lookup.
/// </summary>
internal sealed class NodeEvents(object sender, ILogger logger)
{
    public event EventHandler<NodeAddedEventArgs>? NodeAdded;

    public event EventHandler<PeerFoundEventArgs>? PeerFound;

    public event EventHandler<AnnounceReceivedEventArgs>? AnnounceReceived;

    public event EventHandler<DhtWarningEventArgs>? Warning;

    public event EventHandler<LookupCompletedEventArgs>? LookupCompleted;

    public void OnNodeAdded(NodeInfo node)
    {
        Log.NodeAdded(logger, node.Id, node.EndPoint);
        Raise(NodeAdded, new NodeAddedEventArgs(node), nameof(NodeAdded));
    }

    public void OnPeerFound(NodeId infoHash, IPEndPoint peer, IPEndPoint from) =>
        Raise(PeerFound, new PeerFoundEventArgs(infoHash, peer, from), nameof(PeerFound));

    public void OnAnnounceReceived(NodeId infoHash, IPEndPoint peer, bool seed)
    {
        Log.AnnounceReceived(logger, infoHash, peer);
        Raise(AnnounceReceived, new AnnounceReceivedEventArgs(infoHash, peer, seed), nameof(AnnounceReceived));
    }

    public void OnLookupCompleted(string operation, NodeId target, LookupStatistics statistics) =>
        Raise(LookupCompleted, new LookupCompletedEventArgs(operation, target, statistics), nameof(LookupCompleted));

    public void OnWarning(string message, Exception? exception = null)
    {
        Log.Warning(logger, message, exception);
        Raise(Warning, new DhtWarningEventArgs(message, exception), nameof(Warning));
    }

    private void Raise<T>(EventHandler<T>? handler, T args, string name)
    {
        if (handler is null)
        {
            return;
        }

        try
        {
            handler(sender, args);
        }
        catch (Exception e)
        {
            Log.EventHandlerFailed(logger, name, e);
            // Tell the user through Warning, unless it is the Warning handler that failed.
            if (name != nameof(Warning))
            {
                Raise(Warning, new DhtWarningEventArgs($"a {name} event handler threw", e), nameof(Warning));
            }
        }
    }
}
