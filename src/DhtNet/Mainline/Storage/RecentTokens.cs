namespace DhtNet.Mainline.Storage;

/// <summary>A node that gave us a write token during a get_peers (or get) lookup.</summary>
internal readonly record struct NodeToken(NodeInfo Node, byte[] Token);

/// <summary>
/// The closest token holders of recent lookups, so an announce right after a lookup of the same
/// infohash needs no second lookup (as bittorrent-dht does). Entries live for less than a token's
/// shortest life (5 minutes) and the cache is bounded.
/// </summary>
internal sealed class RecentTokens(TimeProvider time)
{
    private const int MaxEntries = 1024;
    private static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(4);

    private readonly Dictionary<NodeId, (long Stamp, NodeToken[] Holders)> _entries = [];

    public bool TryGet(NodeId target, out IReadOnlyList<NodeToken> holders)
    {
        lock (_entries)
        {
            if (_entries.TryGetValue(target, out var entry) && time.GetElapsedTime(entry.Stamp) < Lifetime)
            {
                holders = entry.Holders;
                return true;
            }
        }

        holders = [];
        return false;
    }

    /// <summary>Keeps the token holders nearest <paramref name="target"/> (where the lookup converged).</summary>
    public IReadOnlyList<NodeToken> Remember(NodeId target, NodeToken[] holders)
    {
        lock (_entries)
        {
            if (_entries.Count >= MaxEntries && !_entries.ContainsKey(target))
            {
                Purge();
                if (_entries.Count >= MaxEntries)
                {
                    var oldest = _entries.MinBy(e => e.Value.Stamp).Key;
                    _entries.Remove(oldest);
                }
            }

            _entries[target] = (time.GetTimestamp(), holders);
        }

        return holders;
    }

    public void Purge()
    {
        lock (_entries)
        {
            foreach (var (key, entry) in _entries)
            {
                if (time.GetElapsedTime(entry.Stamp) >= Lifetime)
                {
                    _entries.Remove(key);
                }
            }
        }
    }
}
