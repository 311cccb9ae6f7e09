using System.Buffers.Binary;

namespace DhtNet.Mainline.Krpc;

/// <summary>
/// The top level of a KRPC datagram, read once by <see cref="KrpcCodec.TryReadEnvelope"/>: the
/// message type, <c>t</c>, <c>v</c>, <c>q</c>, <c>ro</c>, <c>ip</c> and the still-encoded body
/// (<c>a</c>, <c>r</c> or <c>e</c>). A response is matched to its pending query by
/// <see cref="TransactionId"/> before its body is decoded with the query's method.
/// </summary>
internal readonly struct KrpcEnvelope
{
    /// <summary>q, r or e.</summary>
    public KrpcMessageType Type { get; internal init; }

    /// <summary><c>t</c>: 1 to <see cref="KrpcCodec.MaxTransactionIdLength"/> bytes.</summary>
    public ReadOnlyMemory<byte> TransactionId { get; internal init; }

    /// <summary><c>v</c>: the sender's client version; empty when absent.</summary>
    public ReadOnlyMemory<byte> Version { get; internal init; }

    /// <summary><c>q</c>: the method name of a query; empty otherwise.</summary>
    public ReadOnlyMemory<byte> QueryName { get; internal init; }

    /// <summary>BEP 43 <c>ro</c> = 1.</summary>
    public bool ReadOnly { get; internal init; }

    /// <summary>BEP 42 <c>ip</c> as received (compact); empty when absent.</summary>
    public ReadOnlyMemory<byte> RequesterAddress { get; internal init; }

    /// <summary>The encoded <c>a</c>, <c>r</c> or <c>e</c> value matching <see cref="Type"/>; empty when absent.</summary>
    public ReadOnlyMemory<byte> Body { get; internal init; }

    /// <summary>The transaction id as a 16-bit number when it is 2 bytes (the size this library sends), else -1.</summary>
    public int TransactionNumber => TransactionId.Length == 2 ? BinaryPrimitives.ReadUInt16BigEndian(TransactionId.Span) : -1;
}
