using Microsoft.Extensions.Logging;

namespace DhtNet.Kademlia;

/// <summary>The Kademlia core's log messages (event ids 200-299).</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 200, Level = LogLevel.Debug, Message = "Refreshing {Buckets} stale buckets")]
    public static partial void Refreshing(ILogger logger, int buckets);

    [LoggerMessage(EventId = 201, Level = LogLevel.Information, Message = "Bootstrap done: {Nodes} nodes in the routing table ({Queried} queried, {Answered} answered)")]
    public static partial void Bootstrapped(ILogger logger, int nodes, int queried, int answered);

    [LoggerMessage(EventId = 202, Level = LogLevel.Information, Message = "The routing table is empty: bootstrapping again")]
    public static partial void Rebootstrapping(ILogger logger);

    [LoggerMessage(EventId = 203, Level = LogLevel.Error, Message = "A {Event} handler threw")]
    public static partial void HandlerFailed(ILogger logger, string @event, Exception exception);
}
