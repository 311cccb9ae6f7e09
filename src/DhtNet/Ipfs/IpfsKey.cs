using System.Security.Cryptography;

namespace DhtNet.Ipfs;

/// <summary>
/// The IPFS DHT keyspace: a key's Kademlia identifier is the SHA-256 of its bytes — the peer id
/// multihash for peers, the multihash (not the CID) for provider records, the whole key
/// (<c>/ipns/…</c>, <c>/pk/…</c>) for value records.
/// </summary>
public static class IpfsKey
{
    /// <summary>The length of a Kademlia identifier in bytes (a 256-bit keyspace).</summary>
    public const int Length = 32;

    /// <summary>The Kademlia identifier of <paramref name="key"/>.</summary>
    public static byte[] Compute(ReadOnlySpan<byte> key) => SHA256.HashData(key);

    /// <summary>Writes the Kademlia identifier of <paramref name="key"/> into <paramref name="destination"/> (at least 32 bytes), without allocating.</summary>
    public static void Compute(ReadOnlySpan<byte> key, Span<byte> destination)
    {
        if (destination.Length < Length)
        {
            throw new ArgumentException($"A Kademlia identifier needs {Length} bytes; the destination has {destination.Length}.", nameof(destination));
        }

        SHA256.HashData(key, destination);
    }
}
