using Microsoft.Extensions.Logging;

namespace DhtNet.LibP2p.Yamux;

internal static partial class Log
{
    [LoggerMessage(EventId = 3101, Level = LogLevel.Debug, Message = "yamux: refused inbound stream {StreamId} with {Open} streams open")]
    public static partial void StreamRefused(ILogger logger, uint streamId, int open);

    [LoggerMessage(EventId = 3102, Level = LogLevel.Debug, Message = "yamux: the peer sent GoAway with code {Code}")]
    public static partial void GoAwayReceived(ILogger logger, uint code);

    [LoggerMessage(EventId = 3103, Level = LogLevel.Debug, Message = "yamux: session failed")]
    public static partial void SessionFailed(ILogger logger, Exception exception);
}
