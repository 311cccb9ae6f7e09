namespace DhtNet.Mainline.Storage;

/// <summary>
/// A BEP 44 item as stored: an immutable item (just <see cref="Value"/>) or a mutable one (also
/// public key, salt, sequence number and signature). <see cref="Value"/> is the raw bencoded
/// <c>v</c> exactly as it arrived, so it can be sent back and its signature checked byte for byte.
/// </summary>
internal sealed class DhtItem
{
    internal DhtItem(NodeId target, bool isMutable, ReadOnlyMemory<byte> value, ReadOnlyMemory<byte> publicKey,
        ReadOnlyMemory<byte> salt, long sequence, ReadOnlyMemory<byte> signature)
    {
        Target = target;
        IsMutable = isMutable;
        Value = value;
        PublicKey = publicKey;
        Salt = salt;
        Sequence = sequence;
        Signature = signature;
    }

    /// <summary>SHA-1 of the value (immutable) or of public key + salt (mutable).</summary>
    public NodeId Target { get; }

    public bool IsMutable { get; }

    /// <summary>The bencoded <c>v</c>, at most 1000 bytes by default.</summary>
    public ReadOnlyMemory<byte> Value { get; }

    /// <summary>The 32-byte ed25519 public key <c>k</c>; empty for immutable items.</summary>
    public ReadOnlyMemory<byte> PublicKey { get; }

    /// <summary>The salt (up to 64 bytes; empty when none). BEP 44 does not send it back in get replies.</summary>
    public ReadOnlyMemory<byte> Salt { get; }

    /// <summary>The sequence number <c>seq</c>; 0 for immutable items.</summary>
    public long Sequence { get; }

    /// <summary>The 64-byte ed25519 signature <c>sig</c>; empty for immutable items.</summary>
    public ReadOnlyMemory<byte> Signature { get; }
}
