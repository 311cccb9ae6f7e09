using static DhtNet.Tests.Krpc.KrpcTestData;

namespace DhtNet.Tests.Krpc;

public class KrpcCodecFuzzTests
{
    private static readonly byte[] Masks = [0x01, 0x02, 0x10, 0x20, 0x80, 0xFF];

    public static TheoryData<int> Samples()
    {
        var data = new TheoryData<int>();
        for (int i = 0; i < AllSamples().Count; i++)
        {
            data.Add(i);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public void Decode_SampleTruncatedAtEveryOffset_FailsOnlyTheDocumentedWay(int sample)
    {
        var (payload, method) = AllSamples()[sample];
        for (int length = 0; length < payload.Length; length++)
        {
            Check(payload[..length], method);
        }
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public void Decode_SampleWithEveryByteFlipped_FailsOnlyTheDocumentedWay(int sample)
    {
        var (payload, method) = AllSamples()[sample];
        var copy = new byte[payload.Length];
        foreach (byte mask in Masks)
        {
            for (int i = 0; i < payload.Length; i++)
            {
                payload.CopyTo(copy, 0);
                copy[i] ^= mask;
                Check(copy, method);
            }
        }
    }

    /// <summary>
    /// The decoder either yields a message (which encodes again), or a 203/204 answer, or a drop; and
    /// the serving fast path reads a query only when the decoder reads the same one.
    /// </summary>
    private static void Check(byte[] datagram, KrpcMethod? method)
    {
        CheckServedQuery(datagram);
        // The bytes are copied: decoded messages slice their input, and the caller reuses it.
        var input = datagram.ToArray();
        foreach (var expected in method is null ? [(KrpcMethod?)null] : new KrpcMethod?[] { method, KrpcMethod.Ping, KrpcMethod.Get })
        {
            var result = KrpcCodec.Decode(input, expected);
            if (result.IsSuccess)
            {
                Assert.Null(result.ErrorReply);
                Encode(result.Message);
            }
            else if (result.ErrorReply is { } reply)
            {
                Assert.Contains(reply.Code, new[] { KrpcErrorCode.Protocol, KrpcErrorCode.MethodUnknown });
                Assert.False(reply.TransactionId.IsEmpty);
                Encode(reply);
            }
            else
            {
                Assert.False(string.IsNullOrEmpty(result.FailureReason));
            }
        }
    }

    private static void CheckServedQuery(byte[] datagram)
    {
        if (!KrpcCodec.TryReadServedQuery(datagram, out var view))
        {
            return;
        }

        var decoded = KrpcCodec.Decode(datagram.ToArray());
        Assert.True(decoded.IsSuccess, decoded.ToString());
        var query = Assert.IsAssignableFrom<KrpcQuery>(decoded.Message);
        Assert.Equal(
            (query.Method, query.SenderId, query.ReadOnly, Convert.ToHexString(query.TransactionId.Span)),
            (view.Method, view.SenderId, view.ReadOnly, Convert.ToHexString(view.TransactionId)));
        switch (query)
        {
            case PingQuery:
                break;
            case FindNodeQuery findNode:
                Assert.Equal((findNode.Target, findNode.Want), (view.Target, view.Want));
                break;
            case GetPeersQuery getPeers:
                Assert.False(getPeers.Scrape); // scrapes take the general path
                Assert.Equal((getPeers.InfoHash, getPeers.Want, getPeers.NoSeed), (view.Target, view.Want, view.NoSeed));
                break;
            default:
                Assert.Fail($"the fast path read a {query.Method} query");
                break;
        }
    }

    private static List<(byte[] Payload, KrpcMethod? Method)> AllSamples()
    {
        var samples = new List<(byte[], KrpcMethod?)>();
        foreach (var row in KrpcTestData.Bep5Examples)
        {
            samples.Add((Bytes((string)row[0]), (KrpcMethod?)row[1]));
        }

        foreach (var row in KrpcTestData.ExtensionExamples)
        {
            samples.Add((Bytes((string)row[0]), (KrpcMethod?)row[1]));
        }

        var generator = new RandomMessages(seed: 99);
        for (int i = 0; i < 15; i++)
        {
            var (message, method) = generator.Next();
            samples.Add((Encode(message), method));
        }

        return samples;
    }
}
