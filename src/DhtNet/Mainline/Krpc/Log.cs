using System.Net;
using Microsoft.Extensions.Logging;

namespace DhtNet.Mainline.Krpc;

/// <summary>Log messages of the KRPC layer.</summary>
internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Debug, "Dropped a malformed datagram from {Source}: {Reason}")]
    public static partial void Malformed(ILogger logger, IPEndPoint source, string? reason);

    [LoggerMessage(2, LogLevel.Error, "The query handler failed on a {Method} query from {Source}; answered 202")]
    public static partial void HandlerFailed(ILogger logger, Exception exception, KrpcMethod method, IPEndPoint source);

    [LoggerMessage(3, LogLevel.Error, "Could not encode the reply {Reply} to {Source}; answered 202")]
    public static partial void ReplyEncodeFailed(ILogger logger, Exception exception, string reply, IPEndPoint source);

    [LoggerMessage(4, LogLevel.Error, "Unexpected failure while receiving a datagram from {Source}")]
    public static partial void ReceiveFailed(ILogger logger, Exception exception, IPEndPoint source);

    [LoggerMessage(5, LogLevel.Error, "A NodeSeen subscriber failed")]
    public static partial void NodeSeenFailed(ILogger logger, Exception exception);

    [LoggerMessage(6, LogLevel.Warning, "The transport threw while sending to {Destination}")]
    public static partial void SendThrew(ILogger logger, Exception exception, IPEndPoint destination);

    [LoggerMessage(7, LogLevel.Debug, "Ignored a reply for transaction {Transaction} from {Source}: the query went to {Destination}")]
    public static partial void WrongSource(ILogger logger, int transaction, IPEndPoint source, IPEndPoint destination);
}
