using System.Diagnostics;

namespace DhtNet.Kademlia;

/// <summary>
/// The record the table keeps per node (in a bucket or a replacement cache), held by value in its
/// bucket's <see cref="EntryList{TKey, TContact}"/>: no object per node, and the key is read from the
/// contact rather than stored twice. Guarded by the table's lock; reach it by <c>ref</c>, because a
/// copy's changes are lost.
/// </summary>
internal struct RoutingEntry<TKey, TContact>
    where TKey : struct, IKademliaKey<TKey>
    where TContact : IKademliaContact<TKey>
{
    /// <summary>Timestamp meaning "never"; the virtual clock starts at 0, so 0 cannot mean never.</summary>
    public const long Never = long.MinValue;

    /// <summary>Replaced by a newer sighting at the same address that differs (same key, same address, fresher details).</summary>
    public TContact Contact;

    public long LastResponse;

    public long LastQuery;

    public long PingRequested;

    /// <summary>Round-trip time of the last answer in timestamp units; <see cref="Never"/> when unknown.</summary>
    public long RoundTrip;

    public int FailedQueries;

    public bool HasResponded;

    public bool Preferred;

    public RoutingEntry(TContact contact, bool preferred)
    {
        Contact = contact;
        Preferred = preferred;
        LastResponse = Never;
        LastQuery = Never;
        PingRequested = Never;
        RoundTrip = Never;
    }

    // Not readonly members: on a readonly receiver the compiler would copy the contact before asking it for its key.
    public TKey Id => Contact.Id;

    /// <summary>Last time it answered or queried us; <see cref="Never"/> for unverified entries.</summary>
    public long LastActivity => Math.Max(LastResponse, LastQuery);
}

/// <summary>
/// A bucket's nodes or its replacement cache: entries by value in insertion order (a list's
/// semantics: add at the end, remove shifts the rest), in an array allocated on the first add and
/// grown up to the list's capacity, so empty caches and shallow tables cost nothing.
/// </summary>
internal struct EntryList<TKey, TContact>
    where TKey : struct, IKademliaKey<TKey>
    where TContact : IKademliaContact<TKey>
{
    private RoutingEntry<TKey, TContact>[]? _items;
    private int _count;

    public readonly int Count => _count;

    /// <summary>The entry at <paramref name="index"/> (below <see cref="Count"/>), to read or change in place.</summary>
    public readonly ref RoutingEntry<TKey, TContact> this[int index]
    {
        get
        {
            Debug.Assert((uint)index < (uint)_count);
            return ref _items![index];
        }
    }

    public readonly Span<RoutingEntry<TKey, TContact>> AsSpan() => _items.AsSpan(0, _count);

    /// <summary>Appends <paramref name="entry"/>; the array grows by doubling from 2, at most to <paramref name="capacity"/> (and never below what it must hold).</summary>
    public void Add(in RoutingEntry<TKey, TContact> entry, int capacity)
    {
        if (_items is null || _count == _items.Length)
        {
            int size = Math.Max(_count + 1, Math.Min(_items is null ? 2 : _items.Length * 2, capacity));
            Array.Resize(ref _items, size);
        }

        _items[_count++] = entry;
    }

    public void RemoveAt(int index)
    {
        Debug.Assert((uint)index < (uint)_count);
        var items = _items!;
        _count--;
        Array.Copy(items, index + 1, items, index, _count - index);
        items[_count] = default; // drop the contact's references
    }

    /// <summary>The index of the entry with key <paramref name="id"/>, or -1.</summary>
    public readonly int IndexOf(TKey id)
    {
        var items = AsSpan();
        for (int i = 0; i < items.Length; i++)
        {
            if (items[i].Id.Equals(id))
            {
                return i;
            }
        }

        return -1;
    }
}

/// <summary>One k-bucket: keys sharing the first <see cref="Depth"/> bits of <see cref="Prefix"/>; guarded by the table's lock.</summary>
internal sealed class Bucket<TKey, TContact>(TKey prefix, int depth, long lastChanged)
    where TKey : struct, IKademliaKey<TKey>
    where TContact : IKademliaContact<TKey>
{
    // Fields, not properties: the lists are mutable structs changed in place.
    public EntryList<TKey, TContact> Nodes;

    /// <summary>Oldest first, so the newest are kept when it overflows.</summary>
    public EntryList<TKey, TContact> Replacements;

    public TKey Prefix { get; set; } = prefix;

    public int Depth { get; set; } = depth;

    public long LastChanged { get; set; } = lastChanged;
}
