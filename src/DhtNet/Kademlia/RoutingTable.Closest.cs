namespace DhtNet.Kademlia;

/// <summary>Closest-node queries.</summary>
public sealed partial class RoutingTable<TKey, TContact>
{
    /// <summary>
    /// Fills <paramref name="destination"/> with the known nodes closest to <paramref name="target"/> by
    /// XOR distance, nearest first, and returns how many it wrote. Bad nodes are never returned;
    /// <paramref name="filter"/> narrows further. Allocates nothing.
    /// </summary>
    public int FindClosest(TKey target, Span<TContact> destination, ClosestNodeFilter filter = ClosestNodeFilter.None)
    {
        if (destination.IsEmpty)
        {
            return 0;
        }

        lock (_lock)
        {
            long now = _timeProvider.GetTimestamp();
            int filled = 0;

            // Buckets are visited nearest first, and once the destination is full after a bucket no later
            // bucket can improve it. With t = cpl(target, us), c = min(t, last) and x = us XOR target,
            // the order follows from the table's shape: bucket c holds the keys sharing more than c bits
            // with the target; the buckets after it all differ from the target first at bit c, and among
            // them bucket j (c < j < last) is nearer than every deeper one iff bit j of x is 1; the
            // buckets before c are farther the shallower they are.
            int last = _buckets.Count - 1;
            int c = IndexFor(target);
            var x = LocalId.Xor(target);
            if (Collect(c, target, destination, ref filled, filter, now))
            {
                return filled;
            }

            for (int j = c + 1; j < last; j++)
            {
                if (x.GetBit(j) && Collect(j, target, destination, ref filled, filter, now))
                {
                    return filled;
                }
            }

            if (c < last && Collect(last, target, destination, ref filled, filter, now))
            {
                return filled;
            }

            for (int j = last - 1; j > c; j--)
            {
                if (!x.GetBit(j) && Collect(j, target, destination, ref filled, filter, now))
                {
                    return filled;
                }
            }

            for (int j = c - 1; j >= 0; j--)
            {
                if (Collect(j, target, destination, ref filled, filter, now))
                {
                    return filled;
                }
            }

            return filled;
        }
    }

    /// <summary>The closest <paramref name="count"/> nodes to <paramref name="target"/>, nearest first (allocates the result).</summary>
    public TContact[] FindClosest(TKey target, int count, ClosestNodeFilter filter = ClosestNodeFilter.None)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var buffer = new TContact[Math.Min(count, MaxBuckets * _options.BucketSize)];
        int written = FindClosest(target, buffer, filter);
        return written == buffer.Length ? buffer : buffer[..written];
    }

    // Adds the eligible nodes of one bucket, sorted among themselves; true when the destination is full.
    private bool Collect(int index, TKey target, Span<TContact> destination, ref int filled, ClosestNodeFilter filter, long now)
    {
        int bucketStart = filled;
        var nodes = _buckets[index].Nodes.AsSpan();
        for (int i = 0; i < nodes.Length; i++)
        {
            ref var entry = ref nodes[i];
            if (Eligible(ref entry, filter, now))
            {
                filled = InsertByDistance(destination, bucketStart, filled, ref entry, target);
            }
        }

        return filled == destination.Length;
    }

    // Inserts into the sorted run [start, filled) of destination; everything before start is from nearer
    // buckets and already final. Returns the new fill.
    private static int InsertByDistance(Span<TContact> destination, int start, int filled, ref RoutingEntry<TKey, TContact> entry, TKey target)
    {
        var id = entry.Id;
        int position = filled;
        while (position > start && TKey.CompareDistance(id, destination[position - 1].Id, target) < 0)
        {
            position--;
        }

        if (position == destination.Length)
        {
            return filled;
        }

        int end = Math.Min(filled, destination.Length - 1);
        destination[position..end].CopyTo(destination[(position + 1)..]);
        destination[position] = entry.Contact;
        return Math.Min(filled + 1, destination.Length);
    }

    private bool Eligible(ref RoutingEntry<TKey, TContact> entry, ClosestNodeFilter filter, long now)
    {
        var state = StateOf(ref entry, now);
        return state != NodeState.Bad
            && ((filter & ClosestNodeFilter.Verified) == 0 || entry.HasResponded)
            && ((filter & ClosestNodeFilter.Good) == 0 || state == NodeState.Good)
            && ((filter & ClosestNodeFilter.Preferred) == 0 || entry.Preferred);
    }
}
