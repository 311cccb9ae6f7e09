using System.Net;

namespace DhtNet.Tests.Krpc;

/// <summary>Random valid messages of every kind, from a seeded generator, sized to fit their limits.</summary>
internal sealed class RandomMessages(int seed)
{
    private readonly Random _random = new(seed);

    /// <summary>A random message and, for responses, the method needed to decode it.</summary>
    public (KrpcMessage Message, KrpcMethod? Method) Next()
    {
        int kind = _random.Next(15);
        KrpcMessage message = kind switch
        {
            0 => new PingQuery(Id()),
            1 => new FindNodeQuery(Id(), Id()) { Want = Want() },
            2 => new GetPeersQuery(Id(), Id()) { Want = Want(), Scrape = Bool(), NoSeed = Bool() },
            3 => new AnnouncePeerQuery(Id(), Id(), _random.Next(65536), Bytes(1, 40)) { ImpliedPort = Bool(), Seed = Bool() },
            4 => new GetQuery(Id(), Id()) { Want = Want(), Sequence = Bool() ? Long() : null },
            5 => Put(),
            6 => new SampleInfohashesQuery(Id(), Id()) { Want = Want() },
            7 => new PingResponse(Id()),
            8 => new FindNodeResponse(Id(), Nodes(false), Nodes(true)),
            9 => GetPeersResponse(),
            10 => new AnnouncePeerResponse(Id()),
            11 => GetResponse(),
            12 => new PutResponse(Id()),
            13 => new SampleInfohashesResponse(Id(), _random.Next(21601), _random.Next(), Samples()) { Nodes = Nodes(false), Nodes6 = Nodes(true) },
            _ => new KrpcError(_random.Next(200, 400), Ascii(_random.Next(0, 60))),
        };

        message = WithEnvelope(message);
        return (message, (message as KrpcResponse)?.Method);
    }

    private KrpcMessage WithEnvelope(KrpcMessage message)
    {
        // Envelope fields are init-only: rebuild via the codec by encoding with them set.
        var t = Bytes(1, KrpcCodec.MaxTransactionIdLength);
        var v = Bool() ? Bytes(4, 4) : default;
        var buffer = new byte[KrpcCodec.MaxItemPayload];
        var requester = message is KrpcResponse && Bool() ? EndPoint(Bool()) : null;
        bool readOnly = message is KrpcQuery && Bool();
        int n = KrpcCodec.Encode(message, buffer, t.Span, v.Span, requester, readOnly);
        var decoded = KrpcCodec.Decode(buffer.AsMemory(0, n), (message as KrpcResponse)?.Method);
        Assert.True(decoded.IsSuccess, decoded.ToString());
        return decoded.Message;
    }

    private PutQuery Put()
    {
        bool mutable = Bool();
        return new PutQuery(Id(), Bytes(1, 64), Value(1000))
        {
            PublicKey = mutable ? Bytes(32, 32) : default,
            Signature = mutable ? Bytes(64, 64) : default,
            Sequence = mutable ? Long() : null,
            Salt = mutable && Bool() ? Bytes(1, 64) : default,
            Cas = mutable && Bool() ? Long() : null,
        };
    }

    private GetPeersResponse GetPeersResponse()
    {
        bool scrape = Bool();
        var values = new IPEndPoint[_random.Next(0, 120)];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = EndPoint(_random.Next(4) == 0);
        }

        return new GetPeersResponse(Id(), Bool() ? Bytes(1, 20) : default)
        {
            Values = values,
            Nodes = Nodes(false),
            Nodes6 = Nodes(true),
            BloomSeeds = scrape ? Bytes(256, 256) : default,
            BloomPeers = scrape ? Bytes(256, 256) : default,
        };
    }

    private GetResponse GetResponse()
    {
        bool item = Bool();
        bool mutable = item && Bool();
        return new GetResponse(Id(), Bytes(1, 64))
        {
            Nodes = Nodes(false),
            Nodes6 = Nodes(true),
            Value = item ? Value(1000) : default,
            PublicKey = mutable ? Bytes(32, 32) : default,
            Signature = mutable ? Bytes(64, 64) : default,
            Sequence = mutable ? Long() : null,
        };
    }

    private NodeInfo[] Nodes(bool v6)
    {
        var nodes = new NodeInfo[_random.Next(0, 9)];
        for (int i = 0; i < nodes.Length; i++)
        {
            nodes[i] = new NodeInfo(Id(), EndPoint(v6));
        }

        return nodes;
    }

    private NodeId[] Samples()
    {
        var samples = new NodeId[_random.Next(0, 60)];
        for (int i = 0; i < samples.Length; i++)
        {
            samples[i] = Id();
        }

        return samples;
    }

    /// <summary>A random canonical bencoded value of at most <paramref name="maxSize"/> bytes.</summary>
    private ReadOnlyMemory<byte> Value(int maxSize)
    {
        // Span mode: the IBufferWriter mode of BencodeWriter rejects a dictionary nested in a list in a dictionary.
        var buffer = new byte[64 * 1024];
        while (true)
        {
            var writer = new BencodeWriter(buffer);
            WriteValue(ref writer, depth: 0);
            if (writer.BytesWritten <= maxSize)
            {
                return buffer.AsSpan(0, (int)writer.BytesWritten).ToArray();
            }
        }
    }

    private void WriteValue(ref BencodeWriter writer, int depth)
    {
        switch (depth > 3 ? _random.Next(2) : _random.Next(4))
        {
            case 0:
                writer.WriteInteger(Long());
                break;
            case 1:
                writer.WriteByteString(Bytes(0, 300).Span);
                break;
            case 2:
                writer.WriteStartList();
                for (int i = _random.Next(4); i > 0; i--)
                {
                    WriteValue(ref writer, depth + 1);
                }

                writer.WriteEnd();
                break;
            default:
                writer.WriteStartDictionary();
                for (int i = 0, count = _random.Next(4); i < count; i++)
                {
                    writer.WriteKey([(byte)('a' + i)]);
                    WriteValue(ref writer, depth + 1);
                }

                writer.WriteEnd();
                break;
        }
    }

    private NodeId Id() => NodeId.Random(_random);

    private bool Bool() => _random.Next(2) == 0;

    private long Long() => _random.Next(3) switch
    {
        0 => _random.Next(100),
        1 => _random.NextInt64(long.MinValue, long.MaxValue),
        _ => -_random.Next(100),
    };

    private KrpcWant Want() => (KrpcWant)_random.Next(4);

    private ReadOnlyMemory<byte> Bytes(int min, int max)
    {
        var bytes = new byte[_random.Next(min, max + 1)];
        _random.NextBytes(bytes);
        return bytes;
    }

    private string Ascii(int length)
    {
        var chars = new char[length];
        for (int i = 0; i < length; i++)
        {
            chars[i] = (char)_random.Next(0x20, 0x7F);
        }

        return new string(chars);
    }

    private IPEndPoint EndPoint(bool v6)
    {
        var address = new byte[v6 ? 16 : 4];
        _random.NextBytes(address);
        if (v6)
        {
            address[0] = 0x20; // global unicast: never IPv4-mapped
        }

        return new IPEndPoint(new IPAddress(address), _random.Next(1, 65536));
    }
}
