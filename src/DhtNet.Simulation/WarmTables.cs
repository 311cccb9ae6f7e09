namespace DhtNet.Simulation;

/// <summary>
/// The routing tables a converged Mainline network would hold, computed from the true id space
/// instead of grown by joins: for every depth d of a node's id, up to K nodes drawn at random from
/// the ids that share its first d bits and differ at bit d (the bucket a split table keeps for that
/// depth). That is what a node's table holds after it has answered and refreshed for a while, so
/// lookups measured on it model a settled network; building it costs O(n log n) instead of a
/// lookup per join with every running node doing maintenance while the clock moves.
/// </summary>
public static class WarmTables
{
    /// <summary>
    /// For each of <paramref name="nodes"/> (id and address), the contacts its warm table holds:
    /// <paramref name="bucketSize"/> random nodes per depth, drawn with <paramref name="random"/>.
    /// </summary>
    public static List<NodeInfo>[] Build(IReadOnlyList<NodeInfo> nodes, int bucketSize, Random random)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        var tables = new List<NodeInfo>[nodes.Count];
        Build(nodes, bucketSize, random, (index, table) => tables[index] = [.. table]);
        return tables;
    }

    /// <summary>
    /// As <see cref="Build(IReadOnlyList{NodeInfo}, int, Random)"/> (the same draws), but each
    /// table is handed to <paramref name="table"/> with the node's index in <paramref name="nodes"/>
    /// as soon as it is drawn, in id order, in one buffer that is reused for the next node (copy
    /// what you keep). All tables at once are about 8 KiB a node, 0.8 GB at 100,000 nodes; one at
    /// a time, nothing.
    /// </summary>
    public static void Build(IReadOnlyList<NodeInfo> nodes, int bucketSize, Random random, Action<int, IReadOnlyList<NodeInfo>> table)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        ArgumentNullException.ThrowIfNull(random);
        ArgumentNullException.ThrowIfNull(table);
        ArgumentOutOfRangeException.ThrowIfLessThan(bucketSize, 1);
        var sorted = nodes.OrderBy(n => n.Id).ToArray();
        var position = new Dictionary<NodeId, int>(nodes.Count);
        for (int i = 0; i < nodes.Count; i++)
        {
            position[nodes[i].Id] = i;
        }

        var contacts = new List<NodeInfo>();
        var chosen = new HashSet<int>();
        for (int i = 0; i < sorted.Length; i++)
        {
            var self = sorted[i].Id;
            contacts.Clear();
            // [low, high) is the range of ids sharing the first `depth` bits with ours; it contains i.
            int low = 0, high = sorted.Length;
            for (int depth = 0; depth < NodeId.Bits && high - low > 1; depth++)
            {
                int innerLow = FirstWithPrefix(sorted, low, i, self, depth + 1);
                int innerHigh = EndWithPrefix(sorted, i, high, self, depth + 1);
                // The sibling subtree is the part of [low, high) outside [innerLow, innerHigh).
                int siblings = (innerLow - low) + (high - innerHigh);
                int take = Math.Min(bucketSize, siblings);
                chosen.Clear();
                while (chosen.Count < take)
                {
                    int pick = random.Next(siblings);
                    chosen.Add(pick < innerLow - low ? low + pick : innerHigh + (pick - (innerLow - low)));
                }

                foreach (int index in chosen)
                {
                    contacts.Add(sorted[index]);
                }

                low = innerLow;
                high = innerHigh;
            }

            table(position[self], contacts);
        }
    }

    // Ids in sorted order share a prefix with ours in one run around our index: binary search its ends.
    private static int FirstWithPrefix(NodeInfo[] sorted, int low, int self, NodeId id, int bits)
    {
        int high = self;
        while (low < high)
        {
            int mid = (low + high) >>> 1;
            if (sorted[mid].Id.CommonPrefixLength(id) >= bits)
            {
                high = mid;
            }
            else
            {
                low = mid + 1;
            }
        }

        return low;
    }

    private static int EndWithPrefix(NodeInfo[] sorted, int self, int high, NodeId id, int bits)
    {
        int low = self + 1;
        while (low < high)
        {
            int mid = (low + high) >>> 1;
            if (sorted[mid].Id.CommonPrefixLength(id) >= bits)
            {
                low = mid + 1;
            }
            else
            {
                high = mid;
            }
        }

        return low;
    }
}
