using DhtNet.LibP2p;
using Microsoft.Extensions.Logging;

namespace DhtNet.Ipfs;

internal static partial class Log
{
    [LoggerMessage(EventId = 3401, Level = LogLevel.Debug, Message = "Serving a kad stream from {PeerId} failed")]
    public static partial void KadStreamFailed(ILogger logger, PeerId peerId, Exception exception);

    [LoggerMessage(EventId = 3402, Level = LogLevel.Information, Message = "Restored the IPFS node's state: {Contacts} contacts, {Providers} provider records, {Records} records, {Publications} keys and names we publish ({Skipped} unreadable entries skipped)")]
    public static partial void StateRestored(ILogger logger, int contacts, int providers, int records, int publications, int skipped);

    [LoggerMessage(EventId = 3403, Level = LogLevel.Warning, Message = "Republishing the IPNS record of {Name} reached no peer; trying again in 5 minutes")]
    public static partial void RepublishUnheard(ILogger logger, PeerId name);

    [LoggerMessage(EventId = 3404, Level = LogLevel.Warning, Message = "The key of the restored IPNS name {Name} is not in the state store (or is not its key); the name is republished once it is published again with its key")]
    public static partial void NameKeyMissing(ILogger logger, PeerId name);
}
