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
}
