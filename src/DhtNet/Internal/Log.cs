using Microsoft.Extensions.Logging;

namespace DhtNet.Internal;

/// <summary>Log messages of the shared helpers, source-generated so nothing is paid when a level is off.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 7, Level = LogLevel.Error, Message = "Background work failed: {What}")]
    public static partial void BackgroundFailure(ILogger logger, string what, Exception exception);
}
