using System.Net;
using DhtNet.Mainline.Bencode;

namespace DhtNet.Mainline.Krpc;

/// <summary>
/// Turns <see cref="KrpcMessage"/>s into canonical bencode and datagrams back into messages.
/// Encoding never writes more than <see cref="MaxPayload"/> bytes (BEP 32), or
/// <see cref="MaxItemPayload"/> for BEP 44 put queries and get responses; lists that may be
/// shortened (get_peers values, sample_infohashes samples, get nodes) are cut to fit, anything
/// else too big throws <see cref="InvalidOperationException"/>. Decoding never throws: see
/// <see cref="KrpcDecodeResult"/>.
/// </summary>
internal static partial class KrpcCodec
{
    /// <summary>BEP 32: no datagram we send has a larger payload.</summary>
    public const int MaxPayload = 1024;

    /// <summary>
    /// Limit for messages carrying a BEP 44 value (put queries, get responses). A value may take
    /// 1000 bytes by itself, so with key, signature, salt and token the message outgrows
    /// <see cref="MaxPayload"/>; 1400 bytes still pass a 1500-byte Ethernet MTU over IPv4 and IPv6.
    /// </summary>
    public const int MaxItemPayload = 1400;

    /// <summary>Longest <c>t</c> accepted; a longer one is unusable (we would have to echo it).</summary>
    public const int MaxTransactionIdLength = 32;

    /// <summary>Longest write token kept from a response; a longer one is treated as absent, as we would echo it in announce_peer / put.</summary>
    public const int MaxTokenLength = 64;

    internal const string NotCanonicalValue = "argument 'v' must be canonical bencode";

    private static readonly byte[] DefaultVersionBytes = [(byte)'D', (byte)'N', 0, 1];

    /// <summary>Our <c>v</c>: "DN" and two version bytes.</summary>
    public static ReadOnlyMemory<byte> DefaultVersion => DefaultVersionBytes;

    /// <summary>
    /// Writes <paramref name="message"/> as canonical bencode with its own <c>t</c>, <c>v</c>,
    /// <c>ro</c> and <c>ip</c>; returns the bytes written. Throws
    /// <see cref="InvalidOperationException"/> when it cannot fit the message limit or
    /// <paramref name="destination"/>.
    /// </summary>
    public static int Encode(KrpcMessage message, Span<byte> destination)
    {
        ArgumentNullException.ThrowIfNull(message);
        return Encode(
            message,
            destination,
            message.TransactionId.Span,
            message.Version.Span,
            (message as KrpcResponse)?.RequesterEndPoint,
            message is KrpcQuery { ReadOnly: true });
    }

    /// <summary>Encodes with the envelope given here instead of the message's own (the dispatcher's path).</summary>
    internal static int Encode(
        KrpcMessage message,
        Span<byte> destination,
        ReadOnlySpan<byte> transactionId,
        ReadOnlySpan<byte> version,
        IPEndPoint? requester,
        bool readOnly)
    {
        int limit = Math.Min(destination.Length, message.MaxEncodedSize);
        var writer = new BencodeWriter(destination[..limit]);
        int tail = EnvelopeTailSize(transactionId, version);

        ReadOnlySpan<byte> type;
        writer.WriteStartDictionary();
        switch (message)
        {
            case KrpcQuery query:
                writer.WriteKey("a"u8);
                int queryTail = 3 + BencodeWriter.ByteStringSize(query.MethodName.Length) + (readOnly ? 7 : 0) + tail;
                query.WriteBody(ref writer, new EncodeBudget(limit, queryTail));
                writer.WriteKey("q"u8);
                writer.WriteByteString(query.MethodName);
                if (readOnly)
                {
                    writer.WriteKey("ro"u8);
                    writer.WriteInteger(1);
                }

                type = "q"u8;
                break;
            case KrpcResponse response:
                WriteResponseStart(ref writer, requester);
                response.WriteBody(ref writer, new EncodeBudget(limit, tail));
                type = "r"u8;
                break;
            case KrpcError error:
                writer.WriteKey("e"u8);
                error.WriteBody(ref writer, new EncodeBudget(limit, tail));
                type = "e"u8;
                break;
            default:
                throw new InvalidOperationException($"Unknown message type {message.GetType().Name}.");
        }

        WriteEnvelopeEnd(ref writer, transactionId, version, type);
        return (int)writer.BytesWritten;
    }

    /// <summary>
    /// Bytes the envelope takes after the body: "1:t" t ["1:v" v] "1:y1:?" and the closing 'e'.
    /// </summary>
    internal static int EnvelopeTailSize(ReadOnlySpan<byte> transactionId, ReadOnlySpan<byte> version) =>
        3 + BencodeWriter.ByteStringSize(transactionId.Length)
        + (version.IsEmpty ? 0 : 3 + BencodeWriter.ByteStringSize(version.Length))
        + 6 + 1;

    /// <summary>
    /// After the opening 'd' of a response: the BEP 42 <c>ip</c> (when <paramref name="requester"/>
    /// is known) and the <c>r</c> key, whose dictionary the caller writes next.
    /// </summary>
    internal static void WriteResponseStart(ref BencodeWriter writer, IPEndPoint? requester)
    {
        if (requester is not null)
        {
            Span<byte> compact = stackalloc byte[CompactEncoding.PeerSizeV6];
            writer.WriteKey("ip"u8);
            writer.WriteByteString(compact[..CompactEncoding.WritePeer(requester, compact)]);
        }

        writer.WriteKey("r"u8);
    }

    /// <summary>After the body: <c>t</c>, <c>v</c> when given, <c>y</c> and the closing 'e'.</summary>
    internal static void WriteEnvelopeEnd(ref BencodeWriter writer, ReadOnlySpan<byte> transactionId, ReadOnlySpan<byte> version, ReadOnlySpan<byte> type)
    {
        writer.WriteKey("t"u8);
        writer.WriteByteString(transactionId);
        if (!version.IsEmpty)
        {
            writer.WriteKey("v"u8);
            writer.WriteByteString(version);
        }

        writer.WriteKey("y"u8);
        writer.WriteByteString(type);
        writer.WriteEnd();
    }

    /// <summary>True when <paramref name="encoded"/> is exactly one canonical bencoded value.</summary>
    internal static bool IsCanonical(ReadOnlySpan<byte> encoded)
    {
        try
        {
            var reader = new BencodeReader(encoded, new BencodeReaderOptions { MaxDepth = BencodeReaderOptions.DepthCeiling });
            reader.ReadEncodedValue();
            return true;
        }
        catch (BencodeException)
        {
            return false;
        }
    }

    /// <summary>A response token we can echo later, or empty.</summary>
    internal static ReadOnlyMemory<byte> UsableToken(ReadOnlyMemory<byte> token) =>
        token.Length <= MaxTokenLength ? token : default;
}
