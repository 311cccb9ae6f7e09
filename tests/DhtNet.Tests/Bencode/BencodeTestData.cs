namespace DhtNet.Tests.Bencode;

/// <summary>DOM helpers and KRPC-shaped sample payloads shared by the bencode tests.</summary>
internal static class BencodeTestData
{
    public static BencodeString S(string text) => new(Bytes(text));

    public static BencodeString S(byte[] bytes) => new(bytes);

    public static BencodeInteger I(long value) => new(value);

    public static BencodeList L(params BencodeValue[] items) => new(items);

    public static BencodeDictionary D(params (string Key, BencodeValue Value)[] entries)
    {
        var list = new List<KeyValuePair<byte[], BencodeValue>>();
        foreach (var (key, value) in entries)
        {
            list.Add(new(Bytes(key), value));
        }

        return new BencodeDictionary(list);
    }

    public static byte[] RandomBytes(Random random, int length)
    {
        byte[] bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    /// <summary>A BEP 5 ping query.</summary>
    public static byte[] PingQuery()
    {
        var random = new Random(1);
        return D(
            ("a", D(("id", S(RandomBytes(random, 20))))),
            ("q", S("ping")),
            ("t", S("aa")),
            ("y", S("q"))).Encode();
    }

    /// <summary>A BEP 5 find_node response carrying 8 compact nodes (26 bytes each).</summary>
    public static byte[] FindNodeResponse()
    {
        var random = new Random(2);
        return D(
            ("ip", S(RandomBytes(random, 6))),
            ("r", D(
                ("id", S(RandomBytes(random, 20))),
                ("nodes", S(RandomBytes(random, 8 * 26))))),
            ("t", S("\x12\x34")),
            ("v", S("DN\x00\x01")),
            ("y", S("r"))).Encode();
    }

    /// <summary>A BEP 5 get_peers response with <paramref name="peers"/> compact IPv4 peers.</summary>
    public static byte[] GetPeersResponse(int peers = 40)
    {
        var random = new Random(3);
        var values = new BencodeValue[peers];
        for (int i = 0; i < peers; i++)
        {
            values[i] = S(RandomBytes(random, 6));
        }

        return D(
            ("r", D(
                ("id", S(RandomBytes(random, 20))),
                ("token", S(RandomBytes(random, 8))),
                ("values", L(values)))),
            ("t", S("tx")),
            ("y", S("r"))).Encode();
    }

    /// <summary>A BEP 44 mutable put query.</summary>
    public static byte[] Bep44Put()
    {
        var random = new Random(4);
        return D(
            ("a", D(
                ("cas", I(4)),
                ("id", S(RandomBytes(random, 20))),
                ("k", S(RandomBytes(random, 32))),
                ("salt", S("foobar")),
                ("seq", I(5)),
                ("sig", S(RandomBytes(random, 64))),
                ("token", S(RandomBytes(random, 8))),
                ("v", S("Hello World!")))),
            ("q", S("put")),
            ("t", S("pp")),
            ("y", S("q"))).Encode();
    }

    /// <summary>A value with every token kind nested a few levels deep, negative numbers and empty containers.</summary>
    public static byte[] NestedValue() =>
        D(
            ("", S("")),
            ("a", L(I(0), I(-1), I(long.MaxValue), I(long.MinValue), L(), D())),
            ("b", D(
                ("c", L(L(L(S("deep"))))),
                ("d", D(("e", D(("f", I(42)))))))),
            ("z", S("\x00\xff\x7f:e"))).Encode();

    public static TheoryData<string> SampleNames() => new() { "ping", "find_node", "get_peers", "put", "nested" };

    public static byte[] Sample(string name) => name switch
    {
        "ping" => PingQuery(),
        "find_node" => FindNodeResponse(),
        "get_peers" => GetPeersResponse(),
        "put" => Bep44Put(),
        "nested" => NestedValue(),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, null),
    };

    /// <summary>
    /// Reads every token, touching each value, and returns the token count. Each Read consumes at
    /// least one byte, so more tokens than bytes means the reader failed to make progress.
    /// </summary>
    public static int Walk(ReadOnlySpan<byte> data, BencodeReaderOptions options = default)
    {
        var reader = new BencodeReader(data, options);
        int tokens = 0;
        while (reader.Read())
        {
            if (++tokens > data.Length)
            {
                throw new InvalidOperationException("The reader read more tokens than there are bytes.");
            }

            switch (reader.TokenType)
            {
                case BencodeTokenType.Integer:
                    _ = reader.GetInt64();
                    break;
                case BencodeTokenType.ByteString:
                    _ = reader.ValueSpan.Length;
                    break;
            }
        }

        return tokens;
    }
}
