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
            // Only the Good filter needs the clock; reading it is a good part of a short call's cost.
            long now = (filter & ClosestNodeFilter.Good) != 0 ? _timeProvider.GetTimestamp() : 0;
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

    // Adds the eligible nodes of one bucket, nearest first; true when the destination is full. Every
    // node of a nearer bucket is nearer than any of this one, so this bucket's nodes, sorted among
    // themselves, follow the fill. They are sorted as indexes (a bucket is small: insertion sort) and
    // copied once, instead of shifting contacts along the destination for each one.
    private bool Collect(int index, TKey target, Span<TContact> destination, ref int filled, ClosestNodeFilter filter, long now)
    {
        var nodes = _buckets[index].Nodes.AsSpan();
        Span<int> order = nodes.Length <= 128 ? stackalloc int[nodes.Length] : new int[nodes.Length];
        int count = 0;
        for (int i = 0; i < nodes.Length; i++)
        {
            ref var entry = ref nodes[i];
            if (!Eligible(ref entry, filter, now))
            {
                continue;
            }

            var id = entry.Id;
            int position = count++;
            while (position > 0 && TKey.CompareDistance(id, nodes[order[position - 1]].Id, target) < 0)
            {
                order[position] = order[position - 1];
                position--;
            }

            order[position] = i;
        }

        int take = Math.Min(count, destination.Length - filled);
        for (int k = 0; k < take; k++)
        {
            destination[filled + k] = nodes[order[k]].Contact;
        }

        filled += take;
        return filled == destination.Length;
    }

    private bool Eligible(ref RoutingEntry<TKey, TContact> entry, ClosestNodeFilter filter, long now)
    {
        if (entry.FailedQueries >= _options.FailuresBeforeBad)
        {
            return false; // bad
        }

        return filter == ClosestNodeFilter.None
            || (((filter & ClosestNodeFilter.Verified) == 0 || entry.HasResponded)
                && ((filter & ClosestNodeFilter.Good) == 0 || StateOf(ref entry, now) == NodeState.Good)
                && ((filter & ClosestNodeFilter.Preferred) == 0 || entry.Preferred));
    }
}
