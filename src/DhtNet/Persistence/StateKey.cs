namespace DhtNet.Persistence;

/// <summary>
/// Which entry a change is about: kind, network and the entry's identity (one or two byte strings,
/// or a text and bytes for node ids and publications). Two changes with equal keys coalesce.
/// </summary>
internal readonly struct StateKey : IEquatable<StateKey>
{
    public StateKey(StateKind kind, string network, string? text, byte[] first, byte[]? second = null)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(first);
        Kind = kind;
        Network = network;
        Text = text;
        First = first;
        Second = second;
    }

    public StateKind Kind { get; }

    public string Network { get; }

    /// <summary>The node id slot or the publication kind; null for the other kinds.</summary>
    public string? Text { get; }

    public byte[] First { get; }

    public byte[]? Second { get; }

    public bool Equals(StateKey other) =>
        Kind == other.Kind
        && string.Equals(Network, other.Network, StringComparison.Ordinal)
        && string.Equals(Text, other.Text, StringComparison.Ordinal)
        && First.AsSpan().SequenceEqual(other.First)
        && Second.AsSpan().SequenceEqual(other.Second);

    public override bool Equals(object? obj) => obj is StateKey other && Equals(other);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(Kind);
        hash.Add(Network, StringComparer.Ordinal);
        hash.Add(Text, StringComparer.Ordinal);
        hash.AddBytes(First);
        hash.AddBytes(Second);
        return hash.ToHashCode();
    }

    /// <summary>Orders keys of one kind by their bytes, the order SQLite gives BLOBs (memcmp, then length).</summary>
    public int CompareTo(StateKey other)
    {
        int order = string.CompareOrdinal(Text, other.Text);
        if (order == 0)
        {
            order = First.AsSpan().SequenceCompareTo(other.First);
        }

        return order != 0 ? order : Second.AsSpan().SequenceCompareTo(other.Second);
    }
}
