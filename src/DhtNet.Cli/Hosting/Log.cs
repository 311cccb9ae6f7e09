using Microsoft.Extensions.Logging;

namespace DhtNet.Cli.Hosting;

/// <summary>What `dht node` logs besides the library's own messages.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Restored {Count} nodes from {Path}")]
    public static partial void Restored(ILogger logger, int count, string path);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "Could not restore the routing table: {Reason}")]
    public static partial void RestoreFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "Routing table: {Nodes} nodes")]
    public static partial void Status(ILogger logger, int nodes);

    [LoggerMessage(EventId = 5, Level = LogLevel.Information, Message = "Shutting down")]
    public static partial void ShuttingDown(ILogger logger);

    [LoggerMessage(EventId = 6, Level = LogLevel.Information, Message = "Saved {Count} nodes to {Path}")]
    public static partial void Saved(ILogger logger, int count, string path);

    [LoggerMessage(EventId = 7, Level = LogLevel.Error, Message = "Could not save the routing table to {Path}: {Reason}")]
    public static partial void SaveFailed(ILogger logger, string path, string reason);

    [LoggerMessage(EventId = 8, Level = LogLevel.Warning, Message = "Could not resolve the bootstrap address {Address}: {Reason}")]
    public static partial void DnsAddrFailed(ILogger logger, Multiaddr address, string reason);

    [LoggerMessage(EventId = 9, Level = LogLevel.Warning, Message = "IPFS join or provide failed: {Reason}")]
    public static partial void IpfsJoinFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 10, Level = LogLevel.Information, Message = "IPFS routing table: {Peers} peers")]
    public static partial void IpfsStatus(ILogger logger, int peers);
}
