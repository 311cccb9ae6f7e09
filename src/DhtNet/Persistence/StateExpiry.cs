namespace DhtNet.Persistence;

/// <summary>When a saved entry stops being worth restoring; null for entries that do not expire.</summary>
internal static class StateExpiry
{
    public static DateTimeOffset? Expires(object entry) => entry switch
    {
        SavedPeer peer => peer.Expires,
        SavedItem item => item.Expires,
        SavedProviderRecord provider => provider.Expires,
        SavedRecord record => record.Expires,
        _ => null,
    };
}
