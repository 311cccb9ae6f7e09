namespace DhtNet.Kademlia;

/// <summary>
/// A fixed-length Kademlia key whose distance to another key is their XOR, compared as a big-endian
/// unsigned number. Implemented by value types (<see cref="NodeId"/>, <see cref="Key256"/>) through
/// static abstract members, so the routing table and the lookup are generic over the key without
/// boxing and a distance comparison allocates nothing.
/// </summary>
/// <typeparam name="TSelf">The implementing key type.</typeparam>
public interface IKademliaKey<TSelf> : IEquatable<TSelf>, IComparable<TSelf>
    where TSelf : struct, IKademliaKey<TSelf>
{
    /// <summary>Length of a key in bits: the most buckets a routing table can have.</summary>
    static abstract int Bits { get; }

    /// <summary>Length of a key in bytes.</summary>
    static abstract int Size { get; }

    /// <summary>Reads a key from exactly <see cref="Size"/> big-endian bytes.</summary>
    static abstract TSelf Read(ReadOnlySpan<byte> bytes);

    /// <summary>Negative when <paramref name="a"/> is closer to <paramref name="target"/> than <paramref name="b"/>, zero when as close.</summary>
    static abstract int CompareDistance(TSelf a, TSelf b, TSelf target);

    /// <summary>The XOR distance between this key and <paramref name="other"/>.</summary>
    TSelf Xor(TSelf other);

    /// <summary>Number of leading bits this key shares with <paramref name="other"/> (<see cref="Bits"/> when equal).</summary>
    int CommonPrefixLength(TSelf other);

    /// <summary>The bit at <paramref name="index"/>, 0 being the most significant.</summary>
    bool GetBit(int index);

    /// <summary>This key with bit <paramref name="index"/> set to <paramref name="value"/>.</summary>
    TSelf WithBit(int index, bool value);

    /// <summary>Writes the <see cref="Size"/> bytes of the key, big-endian.</summary>
    void WriteTo(Span<byte> destination);
}
