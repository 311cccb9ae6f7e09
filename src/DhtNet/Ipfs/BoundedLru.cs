using DhtNet.Internal;

namespace DhtNet.Ipfs;

/// <summary>
/// A map bounded by entry count and by the bytes its owner says each entry costs; setting an entry
/// makes it the newest, and the least recently set or read entries make room. The stores of this
/// folder build on it; not thread-safe (the owning store locks).
/// </summary>
internal sealed class BoundedLru<TKey, TValue>
    where TKey : notnull
{
    private readonly Dictionary<TKey, Entry> _entries;
    private readonly RecencyList<Entry> _recency = new();

    public BoundedLru(int maxCount, long maxBytes, IEqualityComparer<TKey>? comparer = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxCount, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBytes, 1);
        MaxCount = maxCount;
        MaxBytes = maxBytes;
        _entries = new Dictionary<TKey, Entry>(comparer);
    }

    public int MaxCount { get; }

    public long MaxBytes { get; }

    public int Count => _entries.Count;

    public long Bytes { get; private set; }

    /// <summary>The value of <paramref name="key"/>, which becomes the newest entry.</summary>
    public bool TryGet(TKey key, out TValue value)
    {
        if (_entries.TryGetValue(key, out var entry))
        {
            _recency.MoveToNewest(entry);
            value = entry.Value;
            return true;
        }

        value = default!;
        return false;
    }

    /// <summary>
    /// Adds or replaces <paramref name="key"/> as the newest entry and evicts the oldest others until
    /// both bounds hold. False, and nothing stored, when the entry alone is larger than the byte bound.
    /// </summary>
    public bool Set(TKey key, TValue value, long bytes)
    {
        if (bytes > MaxBytes)
        {
            Remove(key);
            return false;
        }

        if (_entries.TryGetValue(key, out var entry))
        {
            Bytes += bytes - entry.Bytes;
            entry.Value = value;
            entry.Bytes = bytes;
            _recency.MoveToNewest(entry);
        }
        else
        {
            entry = new Entry(key, value, bytes);
            _entries.Add(key, entry);
            _recency.AddNewest(entry);
            Bytes += bytes;
        }

        while ((_entries.Count > MaxCount || Bytes > MaxBytes) && _recency.Oldest is { } oldest && oldest != entry)
        {
            RemoveEntry(oldest);
        }

        return true;
    }

    public bool Remove(TKey key)
    {
        if (!_entries.TryGetValue(key, out var entry))
        {
            return false;
        }

        RemoveEntry(entry);
        return true;
    }

    /// <summary>Removes every entry <paramref name="expired"/> picks, oldest first; O(count).</summary>
    public int RemoveWhere(Func<TKey, TValue, bool> expired)
    {
        var removed = 0;
        for (var entry = _recency.Oldest; entry is not null;)
        {
            var next = entry.Newer;
            if (expired(entry.Key, entry.Value))
            {
                RemoveEntry(entry);
                removed++;
            }

            entry = next;
        }

        return removed;
    }

    private void RemoveEntry(Entry entry)
    {
        _entries.Remove(entry.Key);
        _recency.Remove(entry);
        Bytes -= entry.Bytes;
    }

    private sealed class Entry(TKey key, TValue value, long bytes) : RecencyNode<Entry>
    {
        public TKey Key { get; } = key;

        public TValue Value { get; set; } = value;

        public long Bytes { get; set; } = bytes;
    }
}
