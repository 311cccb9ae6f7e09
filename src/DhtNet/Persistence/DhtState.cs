namespace DhtNet.Persistence;

/// <summary>What a node restores at start for one network: only unexpired entries, within the limits asked for.</summary>
public sealed class DhtState
{
    /// <summary>Node ids by slot (for example "ipv4" and "ipv6" for a dual-stack Mainline node).</summary>
    public required IReadOnlyDictionary<string, byte[]> NodeIds { get; init; }

    /// <summary>Contacts, most recently seen first.</summary>
    public required IReadOnlyList<SavedContact> Contacts { get; init; }

    /// <summary>Announced peers, latest expiry first.</summary>
    public required IReadOnlyList<SavedPeer> Peers { get; init; }

    /// <summary>BEP 44 items, latest expiry first.</summary>
    public required IReadOnlyList<SavedItem> Items { get; init; }

    /// <summary>Provider records, latest expiry first.</summary>
    public required IReadOnlyList<SavedProviderRecord> Providers { get; init; }

    /// <summary>Value records, latest expiry first.</summary>
    public required IReadOnlyList<SavedRecord> Records { get; init; }

    /// <summary>What this node provides or publishes itself, soonest due first.</summary>
    public required IReadOnlyList<SavedPublication> Publications { get; init; }
}
