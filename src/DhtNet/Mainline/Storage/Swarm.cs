namespace DhtNet.Mainline.Storage;

/// <summary>
/// One infohash in the <see cref="PeerStore"/>: where its peers are (a block of
/// <see cref="PeerBlocks"/>, sorted by address so a re-announce finds its entry by binary search),
/// how many, and its place in the least-recently-announced order. A struct in one array of the
/// store, linked by index: no object per infohash.
/// </summary>
internal struct Swarm
{
    public NodeId InfoHash;

    /// <summary>Timestamp of the newest announce; no peer here is newer.</summary>
    public long LastAnnounce;

    /// <summary>The block handle in <see cref="PeerBlocks"/>.</summary>
    public int Block;

    public int Count;

    public int SizeClass;

    /// <summary>The next older and newer infohash by last announce (slot indices, -1 for none).</summary>
    public int Older;

    public int Newer;

    public readonly int Capacity => PeerBlocks.Capacity(SizeClass);
}

/// <summary>What <see cref="PeerStore"/> does to the peers of one infohash, sorted by address in a span of its block.</summary>
internal static class SwarmPeers
{
    /// <summary>The index of the address, or the bitwise complement of where it would be inserted.</summary>
    public static int Find(ReadOnlySpan<PeerEntry> peers, ulong high, ulong low)
    {
        int lo = 0, hi = peers.Length - 1;
        while (lo <= hi)
        {
            int mid = lo + ((hi - lo) >> 1);
            ref readonly var peer = ref peers[mid].Peer;
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

    /// <summary>Inserts at <paramref name="index"/> into the first <paramref name="count"/> entries (the span has room for one more).</summary>
    public static void InsertAt(Span<PeerEntry> block, int count, int index, in PeerEntry entry)
    {
        block[index..count].CopyTo(block[(index + 1)..]);
        block[index] = entry;
    }

    public static void RemoveAt(Span<PeerEntry> block, int count, int index)
    {
        block[(index + 1)..count].CopyTo(block[index..]);
        block[count - 1] = default;
    }

    public static int IndexOfOldest(ReadOnlySpan<PeerEntry> peers)
    {
        int oldest = 0;
        for (int i = 1; i < peers.Length; i++)
        {
            if (peers[i].Timestamp < peers[oldest].Timestamp)
            {
                oldest = i;
            }
        }

        return oldest;
    }

    /// <summary>Removes, in one pass keeping the order, every peer announced at or before <paramref name="cutoff"/>; returns the number left.</summary>
    public static int RemoveExpired(Span<PeerEntry> block, int count, long cutoff)
    {
        int kept = 0;
        for (int i = 0; i < count; i++)
        {
            if (block[i].Timestamp > cutoff)
            {
                block[kept++] = block[i];
            }
        }

        block[kept..count].Clear();
        return kept;
    }
}

/// <summary>A stored peer and the time of its latest announce (32 bytes).</summary>
internal struct PeerEntry(StoredPeer peer, long timestamp)
{
    public StoredPeer Peer = peer;
    public long Timestamp = timestamp;
}
