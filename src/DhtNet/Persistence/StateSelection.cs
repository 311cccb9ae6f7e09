namespace DhtNet.Persistence;

/// <summary>What a load returns of one kind of entry, the same for every store.</summary>
internal static class StateSelection
{
    /// <summary>
    /// The highest <paramref name="rank"/> first (ties by key bytes, the order SQLite gives BLOBs),
    /// at most <paramref name="maxPerFirstKey"/> for one infohash or provider key and
    /// <paramref name="max"/> in all.
    /// </summary>
    public static List<T> Select<T>(List<(StateKey Key, T Value)> rows, Func<T, long> rank, int max, int maxPerFirstKey = int.MaxValue)
    {
        rows.Sort((a, b) =>
        {
            int order = rank(b.Value).CompareTo(rank(a.Value));
            return order != 0 ? order : a.Key.CompareTo(b.Key);
        });

        var perFirstKey = new Dictionary<StateKey, int>();
        var selected = new List<T>(Math.Min(rows.Count, max));
        foreach ((StateKey key, T value) in rows)
        {
            if (selected.Count == max)
            {
                break;
            }

            var group = new StateKey(key.Kind, key.Network, key.Text, key.First);
            perFirstKey.TryGetValue(group, out int count);
            if (count < maxPerFirstKey)
            {
                perFirstKey[group] = count + 1;
                selected.Add(value);
            }
        }

        return selected;
    }
}
