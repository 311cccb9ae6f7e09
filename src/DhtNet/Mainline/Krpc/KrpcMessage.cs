using DhtNet.Mainline.Bencode;

namespace DhtNet.Mainline.Krpc;

/// <summary>
/// An immutable KRPC message: a <see cref="KrpcQuery"/>, a <see cref="KrpcResponse"/> or a
/// <see cref="KrpcError"/>. Encode with <see cref="KrpcCodec.Encode(KrpcMessage, Span{byte})"/>; decoded messages keep
/// slices of the datagram they came from, so that memory must not be reused.
/// </summary>
public abstract class KrpcMessage
{
    private ReadOnlyMemory<byte> _transactionId;
    private ReadOnlyMemory<byte> _version;

    private protected KrpcMessage()
    {
    }

    /// <summary>The <c>t</c> key: chosen by the querier and echoed by the responder.</summary>
    public ReadOnlyMemory<byte> TransactionId
    {
        get => _transactionId;
        init => _transactionId = value;
    }

    /// <summary>The <c>v</c> key: the sender's client version (empty when absent).</summary>
    public ReadOnlyMemory<byte> Version
    {
        get => _version;
        init => _version = value;
    }

    /// <summary>Largest encoded size allowed for this message.</summary>
    internal virtual int MaxEncodedSize => KrpcCodec.MaxPayload;

    /// <summary>
    /// Writes the <c>a</c>, <c>r</c> or <c>e</c> value. <paramref name="budget"/> says how many bytes
    /// the whole message may take, so lists that may be shortened (values, samples) fit.
    /// </summary>
    internal abstract void WriteBody(ref BencodeWriter writer, in EncodeBudget budget);

    // Decoders fill these after construction; init-only from the outside keeps the type immutable.
    internal void SetEnvelope(ReadOnlyMemory<byte> transactionId, ReadOnlyMemory<byte> version)
    {
        _transactionId = transactionId;
        _version = version;
    }
}
