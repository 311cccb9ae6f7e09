using DhtNet.Kademlia;

namespace DhtNet.Mainline.Bep44;

/// <summary>
/// A BEP 44 item found by <see cref="DhtNode.GetAsync(NodeId, ReadOnlyMemory{byte}, CancellationToken)"/>,
/// already verified: an immutable item's value hashes to <see cref="Target"/>; a mutable item's key
/// and salt hash to it and its signature holds (and it has the highest seq among the replies that verified).
/// </summary>
/// <param name="Target">The key that was looked up.</param>
/// <param name="Value">The raw bencoded <c>v</c>, exactly as received.</param>
/// <param name="Sequence">The mutable item's <c>seq</c>; null for an immutable item.</param>
/// <param name="PublicKey">The mutable item's 32-byte <c>k</c>; empty for an immutable item.</param>
/// <param name="Signature">The mutable item's 64-byte <c>sig</c>; empty for an immutable item.</param>
/// <param name="Salt">The salt the item was looked up with (empty when none).</param>
/// <param name="Statistics">What the get lookup cost (all zero when the item was found in our own store).</param>
public sealed record DhtItemResult(
    NodeId Target,
    ReadOnlyMemory<byte> Value,
    long? Sequence,
    ReadOnlyMemory<byte> PublicKey,
    ReadOnlyMemory<byte> Signature,
    ReadOnlyMemory<byte> Salt,
    LookupStatistics Statistics)
{
    /// <summary>True for a mutable (signed) item.</summary>
    public bool IsMutable => !PublicKey.IsEmpty;

    /// <summary>Replies that carried an item failing verification (wrong hash, key or signature); they were ignored.</summary>
    public int Rejected { get; init; }

    /// <summary>The item as a <see cref="MutableItem"/> that can be put again unchanged; null for an immutable item.</summary>
    public MutableItem? ToMutableItem() =>
        Sequence is { } sequence && IsMutable ? new MutableItem(PublicKey, Salt, sequence, Value, Signature) : null;
}
