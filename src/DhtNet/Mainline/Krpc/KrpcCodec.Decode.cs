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
        envelope = default;
        ReadOnlyMemory<byte> transactionId = default, version = default, queryName = default, ip = default;
        ReadOnlyMemory<byte> arguments = default, values = default, error = default;
        bool readOnly = false;
        byte type = 0; // the y byte; 1 when present but not a one-byte string
        var span = datagram.Span;
        try
        {
            var reader = new BencodeReader(span, BencodeReaderOptions.Lax);
            if (!reader.Read() || reader.TokenType != BencodeTokenType.StartDictionary)
            {
                failure = KrpcDecodeResult.Drop("not a dictionary");
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
                            transactionId = ReadString(ref reader, datagram);
                            if (transactionId.Length > MaxTransactionIdLength)
                            {
                                transactionId = default;
                            }

                            continue;
                        case (byte)'y':
                            var y = ReadString(ref reader, datagram);
                            type = y.Length == 1 ? y.Span[0] : (byte)1;
                            continue;
                        case (byte)'q':
                            queryName = ReadString(ref reader, datagram);
                            continue;
                        case (byte)'v':
                            version = ReadString(ref reader, datagram);
                            continue;
                        case (byte)'a':
                            arguments = ReadValue(ref reader, datagram);
                            continue;
                        case (byte)'r':
                            values = ReadValue(ref reader, datagram);
                            continue;
                        case (byte)'e':
                            error = ReadValue(ref reader, datagram);
                            continue;
                    }
                }
                else if (key.SequenceEqual("ip"u8))
                {
                    ip = ReadString(ref reader, datagram);
                    continue;
                }
                else if (key.SequenceEqual("ro"u8))
                {
                    reader.Read();
                    if (reader.TokenType == BencodeTokenType.Integer)
                    {
                        readOnly = reader.GetInt64() == 1;
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
            failure = Fail(InvalidBencode, transactionId, type);
            return false;
        }

        if (transactionId.IsEmpty)
        {
            failure = KrpcDecodeResult.Drop("no usable transaction id");
            return false;
        }

        var messageType = type switch
        {
            (byte)'q' => KrpcMessageType.Query,
            (byte)'r' => KrpcMessageType.Response,
            (byte)'e' => KrpcMessageType.Error,
            _ => (KrpcMessageType)0,
        };
        if (messageType == 0)
        {
            failure = Fail(type == 0 ? "missing 'y'" : "'y' must be q, r or e", transactionId, type);
            return false;
        }

        envelope = new KrpcEnvelope
        {
            Type = messageType,
            TransactionId = transactionId,
            Version = version,
            QueryName = messageType == KrpcMessageType.Query ? queryName : default,
            ReadOnly = readOnly,
            RequesterAddress = ip,
            Body = messageType switch
            {
                KrpcMessageType.Query => arguments,
                KrpcMessageType.Response => values,
                _ => error,
            },
        };
        failure = default;
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

    // An answer only goes to something that might be a query: never answer a response or error.
    private static KrpcDecodeResult Fail(string reason, ReadOnlyMemory<byte> transactionId, byte type) =>
        transactionId.IsEmpty || type is (byte)'r' or (byte)'e'
            ? KrpcDecodeResult.Drop(reason)
            : KrpcDecodeResult.Reply(KrpcErrorCode.Protocol, reason, transactionId);

    /// <summary>Reads the value of the current key as a byte string slice; other types are skipped and read as empty.</summary>
    private static ReadOnlyMemory<byte> ReadString(ref BencodeReader reader, ReadOnlyMemory<byte> datagram)
    {
        reader.Read();
        if (reader.TokenType != BencodeTokenType.ByteString)
        {
            reader.Skip();
            return default;
        }

        int length = reader.ValueSpan.Length;
        return datagram.Slice(reader.BytesConsumed - length, length);
    }

    /// <summary>Reads the value of the current key whole, as its encoded bytes.</summary>
    private static ReadOnlyMemory<byte> ReadValue(ref BencodeReader reader, ReadOnlyMemory<byte> datagram)
    {
        int length = reader.ReadEncodedValue().Length;
        return datagram.Slice(reader.BytesConsumed - length, length);
    }
}
