using DhtNet.LibP2p;
using Microsoft.Extensions.Logging;

namespace DhtNet.Ipfs;

internal static partial class Log
{
    [LoggerMessage(EventId = 3401, Level = LogLevel.Debug, Message = "Serving a kad stream from {PeerId} failed")]
    public static partial void KadStreamFailed(ILogger logger, PeerId peerId, Exception exception);
}
