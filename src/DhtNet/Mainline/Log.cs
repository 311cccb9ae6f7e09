using System.Net;
using Microsoft.Extensions.Logging;

namespace DhtNet.Mainline;

/// <summary>The node's log messages, source-generated so the hot path pays nothing when a level is off.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Node {Id} listening on {EndPoints}")]
    public static partial void Listening(ILogger logger, NodeId id, string endPoints);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Bootstrap done: {Nodes} nodes in the routing table ({Queried} queried, {Answered} answered)")]
    public static partial void Bootstrapped(ILogger logger, int nodes, int queried, int answered);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "{Warning}")]
    public static partial void Warning(ILogger logger, string warning, Exception? exception);

    [LoggerMessage(EventId = 4, Level = LogLevel.Debug, Message = "Node added: {Id} at {EndPoint}")]
    public static partial void NodeAdded(ILogger logger, NodeId id, IPEndPoint endPoint);

    [LoggerMessage(EventId = 5, Level = LogLevel.Information, Message = "Announce of {InfoHash} from {Peer}")]
    public static partial void AnnounceReceived(ILogger logger, NodeId infoHash, IPEndPoint peer);

    [LoggerMessage(EventId = 6, Level = LogLevel.Information, Message = "External address {Address} agreed by other nodes; node id is now {Id}")]
    public static partial void IdChanged(ILogger logger, IPAddress address, NodeId id);

    [LoggerMessage(EventId = 8, Level = LogLevel.Error, Message = "An event handler of {Event} threw")]
    public static partial void EventHandlerFailed(ILogger logger, string @event, Exception exception);


    [LoggerMessage(EventId = 10, Level = LogLevel.Warning, Message = "Routing table is empty; asking the bootstrap nodes again")]
    public static partial void Rebootstrapping(ILogger logger);

    [LoggerMessage(EventId = 30, Level = LogLevel.Information, Message = "Restored state: id {Id}, {Contacts} contacts, {Peers} peers, {Items} items, {Provided} provided infohashes ({Skipped} unreadable entries skipped)")]
    public static partial void StateRestored(ILogger logger, NodeId id, int contacts, int peers, int items, int provided, int skipped);

    [LoggerMessage(EventId = 31, Level = LogLevel.Warning, Message = "Could not write the node's state on leaving")]
    public static partial void StateFlushFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 32, Level = LogLevel.Warning, Message = "Re-announce or re-put of {InfoHash} failed")]
    public static partial void ReannounceFailed(ILogger logger, NodeId infoHash, Exception exception);

    [LoggerMessage(EventId = 33, Level = LogLevel.Warning, Message = "Stopped putting the BEP 44 item {Target}: {Reason}")]
    public static partial void KeptItemSuperseded(ILogger logger, NodeId target, string reason);
}
