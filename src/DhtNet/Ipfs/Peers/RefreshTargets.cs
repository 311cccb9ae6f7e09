using System.Security.Cryptography;
using DhtNet.Kademlia;

namespace DhtNet.Ipfs.Peers;

/// <summary>
/// Keys to send in a bucket refresh's FIND_NODE. The wire carries a preimage and peers route by its SHA-256,
/// which cannot be inverted, so a key that lands in a given bucket has to be found by hashing random ones.
/// This table does that once, lazily, for every common-prefix length with the local key up to
/// <see cref="MaxCommonPrefixLength"/> (go-libp2p-kad-dht refreshes no deeper than 15 either), keeping up to
/// <see cref="PerLength"/> preimages per length: about 2^(MaxCommonPrefixLength + 1) hashes in all, after which
/// each refresh picks a key at no cost instead of drawing until a 16-bit prefix matches (2^16 hashes on
/// average per refresh). Thread-safe.
/// </summary>
internal sealed class RefreshTargets
{
    /// <summary>The deepest common-prefix length with a key of its own: buckets deeper than this are refreshed with it.</summary>
    public const int DefaultMaxCommonPrefixLength = 15;

    /// <summary>Preimages kept per common-prefix length, so that repeated refreshes of a bucket do not walk the same path.</summary>
    public const int PerLength = 16;

    private const int MultihashLength = 34; // sha2-256 multihash: code, length, 32 bytes

    private readonly Key256 _local;
    private readonly Random _random;
    private readonly Lazy<byte[][][]> _table;

    /// <param name="local">The local node's Kademlia key.</param>
    /// <param name="random">Source of the random preimages (seeded in tests); used under a lock.</param>
    /// <param name="maxCommonPrefixLength">The deepest length given a key of its own (0 to 24).</param>
    public RefreshTargets(Key256 local, Random random, int maxCommonPrefixLength = DefaultMaxCommonPrefixLength)
    {
        ArgumentNullException.ThrowIfNull(random);
        ArgumentOutOfRangeException.ThrowIfNegative(maxCommonPrefixLength);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxCommonPrefixLength, 24);
        _local = local;
        _random = random;
        MaxCommonPrefixLength = maxCommonPrefixLength;
        _table = new Lazy<byte[][][]>(Build, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    public int MaxCommonPrefixLength { get; }

    /// <summary>Random keys hashed to build the table (0 until the first <see cref="KeyFor"/>).</summary>
    public long Draws { get; private set; }

    /// <summary>
    /// A sha2-256 multihash whose SHA-256 shares exactly min(common prefix of <paramref name="target"/> and the
    /// local key, <see cref="MaxCommonPrefixLength"/>) leading bits with the local key — so it lies in the bucket
    /// <paramref name="target"/> was drawn for — and, among those kept, the most further bits with the target.
    /// A new array each call.
    /// </summary>
    public byte[] KeyFor(Key256 target)
    {
        var length = Math.Min(target.CommonPrefixLength(_local), MaxCommonPrefixLength);
        byte[]? best = null;
        int bestShared = -1;
        foreach (var key in _table.Value[length])
        {
            int shared = Key256.Sha256(key).CommonPrefixLength(target);
            if (shared > bestShared)
            {
                (best, bestShared) = (key, shared);
            }
        }

        return (byte[])best!.Clone();
    }

    private byte[][][] Build()
    {
        var found = new List<byte[]>[MaxCommonPrefixLength + 1];
        for (int i = 0; i < found.Length; i++)
        {
            found[i] = new List<byte[]>(PerLength);
        }

        // Every length but the deepest is a bucket of keys sharing exactly that many bits; the deepest one takes
        // any key sharing at least that many (as the deepest bucket holds everything from its depth on).
        int missing = found.Length;
        Span<byte> buffer = stackalloc byte[MultihashLength];
        Span<byte> hash = stackalloc byte[32];
        buffer[0] = 0x12;
        buffer[1] = 32;
        long draws = 0;
        lock (_random)
        {
            while (missing > 0)
            {
                _random.NextBytes(buffer[2..]);
                draws++;
                SHA256.HashData(buffer, hash);
                int length = Math.Min(new Key256(hash).CommonPrefixLength(_local), MaxCommonPrefixLength);
                var slot = found[length];
                if (slot.Count < PerLength)
                {
                    slot.Add(buffer.ToArray());
                    missing -= slot.Count == 1 ? 1 : 0;
                }
            }
        }

        Draws = draws;
        var table = new byte[found.Length][][];
        for (int i = 0; i < table.Length; i++)
        {
            table[i] = [.. found[i]];
        }

        return table;
    }
}
