namespace DhtNet.Ipfs;

/// <summary>
/// Key bytes as a dictionary key: equal by content, hashed once with the process-randomised
/// <see cref="HashCode"/> so that keys chosen by peers cannot flood one bucket.
/// </summary>
internal readonly struct ByteKey : IEquatable<ByteKey>
{
    private readonly byte[] _bytes;
    private readonly int _hash;

    public ByteKey(ReadOnlySpan<byte> bytes)
    {
        _bytes = bytes.ToArray();
        var hash = new HashCode();
        hash.AddBytes(bytes);
        _hash = hash.ToHashCode();
    }

    public ReadOnlyMemory<byte> Bytes => _bytes;

    public int Length => _bytes.Length;

    public bool Equals(ByteKey other) => _hash == other._hash && _bytes.AsSpan().SequenceEqual(other._bytes);

    public override bool Equals(object? obj) => obj is ByteKey other && Equals(other);

    public override int GetHashCode() => _hash;
}
