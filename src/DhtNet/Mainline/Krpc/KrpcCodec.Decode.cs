using System.Diagnostics.CodeAnalysis;
using DhtNet.Mainline.Bencode;

namespace DhtNet.Mainline.Krpc;

internal static partial class KrpcCodec
{
    private const string MethodUnknown = "method unknown";
    private const string InvalidBencode = "invalid bencode";

    /// <summary>
    /// Decodes a whole datagram. Queries and errors decode alone; a response needs the method of
    /// the query it answers (<paramref name="responseMethod"/>) and is dropped without one.
    /// Decoded messages keep slices of <paramref name="datagram"/>: do not reuse its memory.
    /// </summary>
    public static KrpcDecodeResult Decode(ReadOnlyMemory<byte> datagram, KrpcMethod? responseMethod = null)
    {
        if (!TryReadEnvelope(datagram, out var envelope, out var failure))
        {
            return failure;
        }

        return envelope.Type switch
        {
            KrpcMessageType.Query => DecodeQuery(envelope),
            KrpcMessageType.Error => DecodeError(envelope),
            _ => responseMethod is { } method
                ? DecodeResponse(envelope, method)
                : KrpcDecodeResult.Drop("a response needs the method of its query"),
        };
    }

    /// <summary>
    /// Reads the top level of a datagram once. On failure <paramref name="failure"/> says whether
    /// to answer (203, when a <c>t</c> was read and the message was not itself a reply) or drop.
    /// </summary>
    public static bool TryReadEnvelope(ReadOnlyMemory<byte> datagram, out KrpcEnvelope envelope, out KrpcDecodeResult failure)
    {
        if (!TryReadRanges(datagram.Span, out var ranges, out string? reason))
        {
            envelope = default;
            var transactionId = datagram[ranges.TransactionId];
            failure = transactionId.IsEmpty || ranges.RawType is (byte)'r' or (byte)'e'
                ? KrpcDecodeResult.Drop(reason)
                : KrpcDecodeResult.Reply(KrpcErrorCode.Protocol, reason, transactionId);
            return false;
        }

        envelope = new KrpcEnvelope
        {
            Type = ranges.Type,
            TransactionId = datagram[ranges.TransactionId],
            Version = datagram[ranges.Version],
            QueryName = datagram[ranges.QueryName],
            ReadOnly = ranges.ReadOnly,
            RequesterAddress = datagram[ranges.RequesterAddress],
            Body = datagram[ranges.Body],
        };
        failure = default;
        return true;
    }

    /// <summary>
    /// Reads a ping, find_node or get_peers query (not a BEP 33 scrape) straight off
    /// <paramref name="datagram"/>, copying nothing, so that it can be answered in place. False for
    /// anything else, valid or not: the caller then decodes the datagram the general way, which
    /// also finds the error to answer, so both ways agree on what a valid query is.
    /// </summary>
    public static bool TryReadServedQuery(ReadOnlySpan<byte> datagram, out KrpcQueryView query)
    {
        query = default;
        if (!TryReadRanges(datagram, out var ranges, out _) || ranges.Type != KrpcMessageType.Query)
        {
            return false;
        }

        var name = datagram[ranges.QueryName];
        var method = name.SequenceEqual("ping"u8) ? KrpcMethod.Ping
            : name.SequenceEqual("find_node"u8) ? KrpcMethod.FindNode
            : name.SequenceEqual("get_peers"u8) ? KrpcMethod.GetPeers
            : (KrpcMethod?)null;
        if (method is null || !KrpcFields.TryParse(datagram[ranges.Body], out var a))
        {
            return false;
        }

        NodeId id, target = default;
        var want = KrpcWant.None;
        bool scrape = false, noSeed = false;
        bool valid = method switch
        {
            KrpcMethod.Ping => a.TryGetId(KrpcField.Id, out id, out _),
            KrpcMethod.FindNode => FindNodeQuery.TryReadArguments(a, KrpcField.Target, out id, out target, out want, out _),
            _ => GetPeersQuery.TryReadArguments(a, out id, out target, out want, out scrape, out noSeed, out _),
        };
        if (!valid || scrape)
        {
            return false;
        }

        query = new KrpcQueryView(method.Value, datagram[ranges.TransactionId], id, target, want, noSeed, ranges.ReadOnly);
        return true;
    }

    // The top level of a datagram as offsets into it. On failure, TransactionId and RawType say
    // whether the sender may be answered.
    private static bool TryReadRanges(ReadOnlySpan<byte> span, out EnvelopeRanges ranges, [NotNullWhen(false)] out string? failure)
    {
        ranges = default;
        try
        {
            var reader = new BencodeReader(span, BencodeReaderOptions.Lax);
            if (!reader.Read() || reader.TokenType != BencodeTokenType.StartDictionary)
            {
                failure = "not a dictionary";
                return false;
            }

            while (reader.Read() && reader.TokenType != BencodeTokenType.EndDictionary)
            {
                var key = reader.ValueSpan;
                if (key.Length == 1)
                {
                    switch (key[0])
                    {
                        case (byte)'t':
                            ranges.TransactionId = ReadString(ref reader);
                            if (Length(ranges.TransactionId) > MaxTransactionIdLength)
                            {
                                ranges.TransactionId = default;
                            }

                            continue;
                        case (byte)'y':
                            var y = ReadString(ref reader);
                            ranges.RawType = span[y].Length == 1 ? span[y.Start] : (byte)1;
                            continue;
                        case (byte)'q':
                            ranges.QueryName = ReadString(ref reader);
                            continue;
                        case (byte)'v':
                            ranges.Version = ReadString(ref reader);
                            continue;
                        case (byte)'a':
                            ranges.Arguments = ReadValue(ref reader);
                            continue;
                        case (byte)'r':
                            ranges.Values = ReadValue(ref reader);
                            continue;
                        case (byte)'e':
                            ranges.Error = ReadValue(ref reader);
                            continue;
                    }
                }
                else if (key.SequenceEqual("ip"u8))
                {
                    ranges.RequesterAddress = ReadString(ref reader);
                    continue;
                }
                else if (key.SequenceEqual("ro"u8))
                {
                    reader.Read();
                    if (reader.TokenType == BencodeTokenType.Integer)
                    {
                        ranges.ReadOnly = reader.GetInt64() == 1;
                    }
                    else
                    {
                        reader.Skip();
                    }

                    continue;
                }

                reader.Skip();
            }
        }
        catch (BencodeException)
        {
            failure = InvalidBencode;
            return false;
        }

        if (Length(ranges.TransactionId) == 0)
        {
            failure = "no usable transaction id";
            return false;
        }

        ranges.Type = ranges.RawType switch
        {
            (byte)'q' => KrpcMessageType.Query,
            (byte)'r' => KrpcMessageType.Response,
            (byte)'e' => KrpcMessageType.Error,
            _ => (KrpcMessageType)0,
        };
        if (ranges.Type == 0)
        {
            failure = ranges.RawType == 0 ? "missing 'y'" : "'y' must be q, r or e";
            return false;
        }

        if (ranges.Type != KrpcMessageType.Query)
        {
            ranges.QueryName = default;
        }

        failure = null;
        return true;
    }

    /// <summary>Decodes a query by its <c>q</c>; bad arguments give a 203 naming them, unknown methods a 204.</summary>
    public static KrpcDecodeResult DecodeQuery(in KrpcEnvelope envelope)
    {
        if (envelope.Type != KrpcMessageType.Query)
        {
            return KrpcDecodeResult.Drop("not a query");
        }

        var t = envelope.TransactionId;
        if (envelope.QueryName.IsEmpty)
        {
            return KrpcDecodeResult.Reply(KrpcErrorCode.Protocol, "missing 'q'", t);
        }

        try
        {
            if (!KrpcFields.TryParse(envelope.Body, out var a))
            {
                return KrpcDecodeResult.Reply(KrpcErrorCode.Protocol, "'a' must be a dictionary", t);
            }

            var name = envelope.QueryName.Span;
            string? error;
            KrpcQuery? query = name switch
            {
                _ when name.SequenceEqual("ping"u8) => PingQuery.Decode(a, out error),
                _ when name.SequenceEqual("find_node"u8) => FindNodeQuery.Decode(a, KrpcField.Target, out error),
                _ when name.SequenceEqual("get_peers"u8) => GetPeersQuery.Decode(a, out error),
                _ when name.SequenceEqual("announce_peer"u8) => AnnouncePeerQuery.Decode(a, out error),
                _ when name.SequenceEqual("get"u8) => GetQuery.Decode(a, out error),
                _ when name.SequenceEqual("put"u8) => PutQuery.Decode(a, out error),
                _ when name.SequenceEqual("sample_infohashes"u8) => SampleInfohashesQuery.Decode(a, out error),

                // BEP 5 forward compatibility: an unknown query naming a target is answered like find_node.
                _ when a.Has(KrpcField.Target) => FindNodeQuery.Decode(a, KrpcField.Target, out error),
                _ when a.Has(KrpcField.InfoHash) => FindNodeQuery.Decode(a, KrpcField.InfoHash, out error),
                _ => Unknown(out error),
            };

            if (query is null)
            {
                return error == MethodUnknown
                    ? KrpcDecodeResult.Reply(KrpcErrorCode.MethodUnknown, MethodUnknown, t)
                    : KrpcDecodeResult.Reply(KrpcErrorCode.Protocol, error ?? "invalid arguments", t);
            }

            query.SetEnvelope(t, envelope.Version);
            query.SetReadOnly(envelope.ReadOnly);
            return KrpcDecodeResult.Success(query);
        }
        catch (BencodeException)
        {
            return KrpcDecodeResult.Reply(KrpcErrorCode.Protocol, InvalidBencode, t);
        }
    }

    /// <summary>
    /// Decodes a response as the answer to a <paramref name="method"/> query. Failures are dropped:
    /// a response is never answered with an error.
    /// </summary>
    public static KrpcDecodeResult DecodeResponse(in KrpcEnvelope envelope, KrpcMethod method)
    {
        if (envelope.Type != KrpcMessageType.Response)
        {
            return KrpcDecodeResult.Drop("not a response");
        }

        try
        {
            if (envelope.Body.IsEmpty)
            {
                return KrpcDecodeResult.Drop("missing 'r'");
            }

            if (!KrpcFields.TryParse(envelope.Body, out var r))
            {
                return KrpcDecodeResult.Drop("'r' must be a dictionary");
            }

            string? error;
            KrpcResponse? response = method switch
            {
                KrpcMethod.Ping => PingResponse.Decode(r, out error),
                KrpcMethod.FindNode => FindNodeResponse.Decode(r, out error),
                KrpcMethod.GetPeers => GetPeersResponse.Decode(r, out error),
                KrpcMethod.AnnouncePeer => AnnouncePeerResponse.Decode(r, out error),
                KrpcMethod.Get => GetResponse.Decode(r, out error),
                KrpcMethod.Put => PutResponse.Decode(r, out error),
                KrpcMethod.SampleInfohashes => SampleInfohashesResponse.Decode(r, out error),
                _ => Unknown<KrpcResponse>(out error),
            };

            if (response is null)
            {
                return KrpcDecodeResult.Drop(error ?? "invalid response");
            }

            response.SetEnvelope(envelope.TransactionId, envelope.Version);
            response.SetRequester(KrpcWire.ReadRequester(envelope.RequesterAddress.Span));
            return KrpcDecodeResult.Success(response);
        }
        catch (BencodeException)
        {
            return KrpcDecodeResult.Drop(InvalidBencode);
        }
    }

    /// <summary>Decodes an error: <c>e</c> is a list of the code and the message (a missing message reads as empty).</summary>
    public static KrpcDecodeResult DecodeError(in KrpcEnvelope envelope)
    {
        if (envelope.Type != KrpcMessageType.Error)
        {
            return KrpcDecodeResult.Drop("not an error");
        }

        if (envelope.Body.IsEmpty)
        {
            return KrpcDecodeResult.Drop("missing 'e'");
        }

        try
        {
            var reader = new BencodeReader(envelope.Body.Span, BencodeReaderOptions.Lax);
            if (!reader.Read() || reader.TokenType != BencodeTokenType.StartList
                || !reader.Read() || reader.TokenType != BencodeTokenType.Integer)
            {
                return KrpcDecodeResult.Drop("'e' must be a list starting with an integer code");
            }

            int code = (int)Math.Clamp(reader.GetInt64(), int.MinValue, int.MaxValue);
            string message = string.Empty;
            if (reader.Read() && reader.TokenType == BencodeTokenType.ByteString)
            {
                var text = reader.ValueSpan;
                message = System.Text.Encoding.UTF8.GetString(text[..Math.Min(text.Length, KrpcError.MaxMessageLength)]);
            }

            var result = new KrpcError(code, message);
            result.SetEnvelope(envelope.TransactionId, envelope.Version);
            return KrpcDecodeResult.Success(result);
        }
        catch (BencodeException)
        {
            return KrpcDecodeResult.Drop(InvalidBencode);
        }
    }

    private static T? Unknown<T>(out string? error)
        where T : class
    {
        error = MethodUnknown;
        return null;
    }

    private static KrpcQuery? Unknown(out string? error) => Unknown<KrpcQuery>(out error);

    /// <summary>Reads the value of the current key as a byte string; other types are skipped and read as empty.</summary>
    private static Range ReadString(ref BencodeReader reader)
    {
        reader.Read();
        if (reader.TokenType != BencodeTokenType.ByteString)
        {
            reader.Skip();
            return default;
        }

        int end = reader.BytesConsumed;
        return new Range(end - reader.ValueSpan.Length, end);
    }

    /// <summary>Reads the value of the current key whole, as its encoded bytes.</summary>
    private static Range ReadValue(ref BencodeReader reader)
    {
        int length = reader.ReadEncodedValue().Length;
        int end = reader.BytesConsumed;
        return new Range(end - length, end);
    }

    private static int Length(Range range) => range.End.Value - range.Start.Value;

    /// <summary>Where the top-level values lie in a datagram (empty ranges when absent).</summary>
    private struct EnvelopeRanges
    {
        public Range TransactionId;
        public Range Version;
        public Range QueryName;
        public Range RequesterAddress;
        public Range Arguments;
        public Range Values;
        public Range Error;
        public bool ReadOnly;
        public byte RawType; // the y byte; 1 when present but not a one-byte string
        public KrpcMessageType Type;

        public readonly Range Body => Type switch
        {
            KrpcMessageType.Query => Arguments,
            KrpcMessageType.Response => Values,
            _ => Error,
        };
    }
}
