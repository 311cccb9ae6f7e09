using DhtNet.Internal;

namespace DhtNet.Mainline.Storage;

/// <summary>
/// The peers of one infohash, kept in an array sorted by address so that a re-announce finds its
/// entry by binary search and no per-peer index or object is needed. Not thread-safe: the owning
/// <see cref="PeerStore"/> locks.
/// </summary>
internal sealed class Swarm : RecencyNode<Swarm>
{
    private PeerEntry[] _peers;

    public Swarm(NodeId infoHash, int capacity)
    {
        InfoHash = infoHash;
        _peers = new PeerEntry[capacity];
    }

    public NodeId InfoHash { get; }

    public int Count { get; private set; }

    public int Capacity => _peers.Length;

    /// <summary>Position in the store's sampling list (BEP 51), kept so removal is O(1).</summary>
    public int Index { get; set; }

    /// <summary>Timestamp of the newest announce; no peer here is newer.</summary>
    public long LastAnnounce { get; set; }

    public ref PeerEntry this[int index] => ref _peers[index];

    /// <summary>The index of the address, or the bitwise complement of where it would be inserted.</summary>
    public int Find(ulong high, ulong low)
    {
        int lo = 0, hi = Count - 1;
        while (lo <= hi)
        {
            int mid = lo + ((hi - lo) >> 1);
            ref readonly var peer = ref _peers[mid].Peer;
            int c = peer.High != high ? peer.High.CompareTo(high) : peer.Low.CompareTo(low);
            if (c == 0)
            {
                return mid;
            }

            if (c < 0)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }

        return ~lo;
    }

    public void InsertAt(int index, in PeerEntry entry)
    {
        if (index < Count)
        {
            Array.Copy(_peers, index, _peers, index + 1, Count - index);
        }

        _peers[index] = entry;
        Count++;
    }

    public void RemoveAt(int index)
    {
        Count--;
        if (index < Count)
        {
            Array.Copy(_peers, index + 1, _peers, index, Count - index);
        }

        _peers[Count] = default;
    }

    public int IndexOfOldest()
    {
        int oldest = 0;
        for (int i = 1; i < Count; i++)
        {
            if (_peers[i].Timestamp < _peers[oldest].Timestamp)
            {
                oldest = i;
            }
        }

        return oldest;
    }

    /// <summary>Removes, in one pass keeping the order, every peer announced at or before <paramref name="cutoff"/>.</summary>
    public int RemoveExpired(long cutoff)
    {
        int kept = 0;
        for (int i = 0; i < Count; i++)
        {
            if (_peers[i].Timestamp > cutoff)
            {
                _peers[kept++] = _peers[i];
            }
        }

        int removed = Count - kept;
        Array.Clear(_peers, kept, removed);
        Count = kept;
        return removed;
    }

    public void Resize(int capacity) => Array.Resize(ref _peers, capacity);
}

/// <summary>A stored peer and the time of its latest announce (32 bytes).</summary>
internal struct PeerEntry(StoredPeer peer, long timestamp)
{
    public StoredPeer Peer = peer;
    public long Timestamp = timestamp;
}
