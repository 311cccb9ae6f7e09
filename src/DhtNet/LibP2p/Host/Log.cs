using Microsoft.Extensions.Logging;

namespace DhtNet.LibP2p.Host;

internal static partial class Log
{
    [LoggerMessage(EventId = 3201, Level = LogLevel.Information, Message = "libp2p host {PeerId} listening on {Address}")]
    public static partial void Listening(ILogger logger, PeerId peerId, Multiaddr address);

    [LoggerMessage(EventId = 3202, Level = LogLevel.Debug, Message = "Inbound connection from {Remote} refused: {Reason}")]
    public static partial void InboundRefused(ILogger logger, string remote, string reason);

    [LoggerMessage(EventId = 3203, Level = LogLevel.Debug, Message = "Upgrading the connection with {Remote} failed")]
    public static partial void UpgradeFailed(ILogger logger, string remote, Exception exception);

    [LoggerMessage(EventId = 3204, Level = LogLevel.Debug, Message = "Connected to {PeerId} ({Direction}) at {Address}")]
    public static partial void Connected(ILogger logger, PeerId peerId, string direction, Multiaddr address);

    [LoggerMessage(EventId = 3205, Level = LogLevel.Debug, Message = "Disconnected from {PeerId}: {Reason}")]
    public static partial void Disconnected(ILogger logger, PeerId peerId, string? reason);

    [LoggerMessage(EventId = 3206, Level = LogLevel.Debug, Message = "Inbound stream from {PeerId} failed")]
    public static partial void InboundStreamFailed(ILogger logger, PeerId peerId, Exception exception);

    [LoggerMessage(EventId = 3207, Level = LogLevel.Debug, Message = "Identify with {PeerId} failed")]
    public static partial void IdentifyFailed(ILogger logger, PeerId peerId, Exception exception);

    [LoggerMessage(EventId = 3208, Level = LogLevel.Warning, Message = "A {Event} event handler threw")]
    public static partial void EventHandlerFailed(ILogger logger, string @event, Exception exception);

    [LoggerMessage(EventId = 3209, Level = LogLevel.Debug, Message = "Closing idle connection with {PeerId}")]
    public static partial void IdleClosed(ILogger logger, PeerId peerId);

    [LoggerMessage(EventId = 3210, Level = LogLevel.Debug, Message = "Dial to {PeerId} failed; backing off for {Backoff}")]
    public static partial void DialFailed(ILogger logger, PeerId peerId, TimeSpan backoff, Exception exception);

    [LoggerMessage(EventId = 3211, Level = LogLevel.Information, Message = "libp2p host {PeerId} advertises {Addresses}")]
    public static partial void Advertising(ILogger logger, PeerId peerId, string addresses);
}
