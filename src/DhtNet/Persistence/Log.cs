using Microsoft.Extensions.Logging;

namespace DhtNet.Persistence;

/// <summary>The state store's log messages.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 1501, Level = LogLevel.Warning, Message = "Writing the node state failed; {Pending} changes wait for the next attempt")]
    public static partial void FlushFailed(ILogger logger, int pending, Exception exception);

    [LoggerMessage(EventId = 1502, Level = LogLevel.Warning, Message = "{Dropped} state changes were dropped because {Max} distinct changes were already waiting for the disk")]
    public static partial void ChangesDropped(ILogger logger, long dropped, int max);

    [LoggerMessage(EventId = 1503, Level = LogLevel.Warning, Message = "The state file {Path} is damaged ({Problem}); it was moved to {SetAside} and the node starts with a fresh state")]
    public static partial void SetAside(ILogger logger, string path, string problem, string setAside);

    [LoggerMessage(EventId = 1504, Level = LogLevel.Warning, Message = "Writing the node state at shutdown failed; changes of the last interval are lost")]
    public static partial void FinalFlushFailed(ILogger logger, Exception exception);
}
