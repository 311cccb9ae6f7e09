namespace DhtNet.Kademlia;

/// <summary>Key operations written once for every <see cref="IKademliaKey{TSelf}"/>: prefixes and random keys inside a bucket.</summary>
public static class KademliaKey
{
    // Keys are at most this long; enough for SHA-512 sized keys, and stackalloc stays small.
    private const int MaxSize = 64;

    /// <summary>The first <paramref name="bits"/> bits of <paramref name="key"/>, the rest zero.</summary>
    public static TKey KeepPrefix<TKey>(TKey key, int bits)
        where TKey : struct, IKademliaKey<TKey>
    {
        Span<byte> bytes = stackalloc byte[MaxSize];
        bytes = bytes[..TKey.Size];
        key.WriteTo(bytes);
        ClearAfter(bytes, bits);
        return TKey.Read(bytes);
    }

    /// <summary>
    /// A random key sharing the first <paramref name="depth"/> bits of <paramref name="prefix"/>: a
    /// target inside a bucket's range, for its refresh.
    /// </summary>
    public static TKey RandomWithPrefix<TKey>(TKey prefix, int depth, Random random)
        where TKey : struct, IKademliaKey<TKey>
    {
        ArgumentNullException.ThrowIfNull(random);
        ArgumentOutOfRangeException.ThrowIfNegative(depth);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(depth, TKey.Bits);
        Span<byte> buffer = stackalloc byte[2 * MaxSize];
        var result = buffer[..TKey.Size];
        var fixedBits = buffer.Slice(MaxSize, TKey.Size);
        random.NextBytes(result);
        prefix.WriteTo(fixedBits);
        for (int i = 0; i < result.Length; i++)
        {
            byte mask = PrefixMask(depth, i);
            result[i] = (byte)((fixedBits[i] & mask) | (result[i] & ~mask));
        }

        return TKey.Read(result);
    }

    /// <summary>A uniformly random key from <paramref name="random"/>.</summary>
    public static TKey Random<TKey>(Random random)
        where TKey : struct, IKademliaKey<TKey> =>
        RandomWithPrefix(default(TKey), 0, random);

    private static void ClearAfter(Span<byte> bytes, int bits)
    {
        for (int i = 0; i < bytes.Length; i++)
        {
            bytes[i] &= PrefixMask(bits, i);
        }
    }

    // The bits of byte `index` that lie within the first `bits` bits of a key.
    private static byte PrefixMask(int bits, int index) => (byte)(0xff00 >> Math.Clamp(bits - (index * 8), 0, 8));
}
