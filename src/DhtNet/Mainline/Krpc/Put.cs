using DhtNet.Mainline.Bencode;

namespace DhtNet.Mainline.Krpc;

/// <summary>
/// BEP 44 <c>put</c>: stores an immutable item (only <see cref="Value"/>) or a mutable one
/// (<see cref="PublicKey"/>, <see cref="Signature"/>, <see cref="Sequence"/>, optional
/// <see cref="Salt"/> and <see cref="Cas"/>). It may take up to <see cref="KrpcCodec.MaxItemPayload"/> bytes.
/// </summary>
internal sealed class PutQuery : KrpcQuery
{
    /// <param name="senderId">The querier's id.</param>
    /// <param name="token">The token from the queried node's get response.</param>
    /// <param name="value">One canonical bencoded value, kept as is: the target or signature covers these bytes.</param>
    public PutQuery(NodeId senderId, ReadOnlyMemory<byte> token, ReadOnlyMemory<byte> value)
        : base(senderId)
    {
        if (value.IsEmpty)
        {
            throw new ArgumentException("A put needs a bencoded value.", nameof(value));
        }

        Token = token;
        Value = value;
    }

    public ReadOnlyMemory<byte> Token { get; }

    /// <summary><c>v</c>: the exact bencoded bytes.</summary>
    public ReadOnlyMemory<byte> Value { get; }

    /// <summary><c>k</c>: 32-byte ed25519 public key (mutable items); empty for immutable ones.</summary>
    public ReadOnlyMemory<byte> PublicKey { get; init; }

    /// <summary><c>sig</c>: 64-byte ed25519 signature (mutable items).</summary>
    public ReadOnlyMemory<byte> Signature { get; init; }

    /// <summary><c>salt</c> (mutable items; empty means none).</summary>
    public ReadOnlyMemory<byte> Salt { get; init; }

    /// <summary><c>seq</c> (mutable items).</summary>
    public long? Sequence { get; init; }

    /// <summary><c>cas</c>: store only if the stored sequence number equals this.</summary>
    public long? Cas { get; init; }

    /// <summary>True when this put carries a public key (a mutable item).</summary>
    public bool IsMutable => !PublicKey.IsEmpty;

    public override KrpcMethod Method => KrpcMethod.Put;

    internal override ReadOnlySpan<byte> MethodName => "put"u8;

    internal override int MaxEncodedSize => KrpcCodec.MaxItemPayload;

    internal static PutQuery? Decode(in KrpcFields a, out string? error)
    {
        if (!a.TryGetId(KrpcField.Id, out var id, out error)
            || !a.TryGetBytes(KrpcField.Token, required: true, out var token, out error)
            || !a.TryGetFixed(KrpcField.Key, 32, out var key, out error)
            || !a.TryGetFixed(KrpcField.Signature, 64, out var signature, out error)
            || !a.TryGetBytes(KrpcField.Salt, required: false, out var salt, out error)
            || !a.TryGetInteger(KrpcField.Seq, required: !key.IsEmpty, out long seq, out bool hasSeq, out error)
            || !a.TryGetInteger(KrpcField.Cas, required: false, out long cas, out bool hasCas, out error))
        {
            return null;
        }

        if (!key.IsEmpty && signature.IsEmpty)
        {
            error = "missing argument 'sig'";
            return null;
        }

        var value = a.GetEncoded(KrpcField.Value);
        if (value.IsEmpty)
        {
            error = "missing argument 'v'";
            return null;
        }

        if (!KrpcCodec.IsCanonical(value.Span))
        {
            error = KrpcCodec.NotCanonicalValue;
            return null;
        }

        return new PutQuery(id, token, value)
        {
            PublicKey = key,
            Signature = signature,
            Salt = salt,
            Sequence = hasSeq ? seq : null,
            Cas = hasCas ? cas : null,
        };
    }

    internal override void WriteArguments(ref BencodeWriter writer, in EncodeBudget budget)
    {
        if (Cas is { } cas)
        {
            writer.WriteKey("cas"u8);
            writer.WriteInteger(cas);
        }

        KrpcWire.WriteId(ref writer, "id"u8, SenderId);
        KrpcWire.WriteOptional(ref writer, "k"u8, PublicKey);
        KrpcWire.WriteOptional(ref writer, "salt"u8, Salt);
        if (Sequence is { } seq)
        {
            writer.WriteKey("seq"u8);
            writer.WriteInteger(seq);
        }

        KrpcWire.WriteOptional(ref writer, "sig"u8, Signature);
        writer.WriteKey("token"u8);
        writer.WriteByteString(Token.Span);
        writer.WriteKey("v"u8);
        KrpcWire.WriteEncodedValue(ref writer, Value.Span);
    }
}

/// <summary>Answer to <see cref="PutQuery"/>: the responder's id (failures come as a <see cref="KrpcError"/>).</summary>
internal sealed class PutResponse(NodeId senderId) : KrpcResponse(senderId)
{
    public override KrpcMethod Method => KrpcMethod.Put;

    internal static PutResponse? Decode(in KrpcFields r, out string? error) =>
        r.TryGetId(KrpcField.Id, out var id, out error) ? new PutResponse(id) : null;

    internal override void WriteValues(ref BencodeWriter writer, in EncodeBudget budget) =>
        KrpcWire.WriteId(ref writer, "id"u8, SenderId);
}
