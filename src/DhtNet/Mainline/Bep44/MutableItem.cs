using DhtNet.Security;

namespace DhtNet.Mainline.Bep44;

/// <summary>
/// A signed BEP 44 mutable item, ready to be put — or put again unchanged, as a keep-alive or a
/// third party republishing it does (<see cref="DhtNode.PutSignedAsync"/>).
/// </summary>
/// <param name="PublicKey">The 32-byte Ed25519 public key <c>k</c>.</param>
/// <param name="Salt">The salt (up to 64 bytes; empty when none).</param>
/// <param name="Sequence">The sequence number <c>seq</c>.</param>
/// <param name="Value">The bencoded <c>v</c>, exactly the bytes that were signed.</param>
/// <param name="Signature">The 64-byte Ed25519 signature <c>sig</c>.</param>
public sealed record MutableItem(
    ReadOnlyMemory<byte> PublicKey,
    ReadOnlyMemory<byte> Salt,
    long Sequence,
    ReadOnlyMemory<byte> Value,
    ReadOnlyMemory<byte> Signature)
{
    /// <summary>SHA-1 of the public key followed by the salt: where the item lives.</summary>
    public NodeId Target => ItemRules.MutableTarget(PublicKey.Span, Salt.Span);

    /// <summary>
    /// Signs <paramref name="bencodedValue"/> (copied) with <paramref name="keyPair"/> under
    /// <paramref name="salt"/> and <paramref name="sequence"/>. Throws <see cref="ArgumentException"/>
    /// when the value is not 1..1000 bytes or the salt is over 64 bytes.
    /// </summary>
    public static MutableItem Create(Ed25519KeyPair keyPair, ReadOnlyMemory<byte> bencodedValue, long sequence, ReadOnlyMemory<byte> salt = default)
    {
        ArgumentNullException.ThrowIfNull(keyPair);
        byte[] value = bencodedValue.ToArray();
        byte[] saltCopy = salt.ToArray();
        byte[] signature = ItemRules.Sign(keyPair, saltCopy, sequence, value);
        return new MutableItem(keyPair.PublicKey, saltCopy, sequence, value, signature);
    }

    /// <summary>True when <see cref="Signature"/> signs the salt, seq and value under <see cref="PublicKey"/>.</summary>
    public bool VerifySignature() => ItemRules.VerifySignature(PublicKey.Span, Salt.Span, Sequence, Value.Span, Signature.Span);
}
