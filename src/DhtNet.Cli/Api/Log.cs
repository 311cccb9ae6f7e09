using Microsoft.Extensions.Logging;

namespace DhtNet.Cli.Api;

/// <summary>What the HTTP API logs.</summary>
internal static partial class ApiLog
{
    [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "HTTP API listening on {Url}")]
    public static partial void Listening(ILogger logger, string url);

    [LoggerMessage(EventId = 101, Level = LogLevel.Warning, Message = "HTTP API request {Path} failed")]
    public static partial void RequestFailed(ILogger logger, string path, Exception exception);

    [LoggerMessage(EventId = 102, Level = LogLevel.Debug, Message = "HTTP API refused a request to {Path}: {Reason}")]
    public static partial void Refused(ILogger logger, string path, string reason);
}
