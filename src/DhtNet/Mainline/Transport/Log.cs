using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace DhtNet.Mainline.Transport;

internal static partial class Log
{
    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "UDP transport bound to {EndPoint}: {Sockets} receive socket(s), receive buffer {ReceiveBuffer} bytes as the OS reports it")]
    public static partial void Bound(ILogger logger, IPEndPoint endPoint, int sockets, int receiveBuffer);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Warning, Message = "IPv6 is unavailable, carrying on with IPv4 only: {Reason}")]
    public static partial void IPv6Unavailable(ILogger logger, string reason);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Debug, Message = "Receive error on {EndPoint}: {Error}")]
    public static partial void ReceiveError(ILogger logger, IPEndPoint endPoint, SocketError error);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Warning, Message = "Unexpected receive failure on {EndPoint}; the loop carries on")]
    public static partial void ReceiveFailure(ILogger logger, IPEndPoint endPoint, Exception exception);

    [LoggerMessage(EventId = 1005, Level = LogLevel.Warning, Message = "Datagram handler threw for a datagram from {Source}; the datagram was dropped")]
    public static partial void HandlerFault(ILogger logger, IPEndPoint source, Exception exception);

    [LoggerMessage(EventId = 1006, Level = LogLevel.Debug, Message = "Send to {Destination} failed: {Error}")]
    public static partial void SendFailed(ILogger logger, IPEndPoint destination, SocketError error);

    [LoggerMessage(EventId = 1007, Level = LogLevel.Debug, Message = "A batched send dropped {Count} datagram(s): errno {Error}")]
    public static partial void BatchSendFailed(ILogger logger, int count, int error);
}
