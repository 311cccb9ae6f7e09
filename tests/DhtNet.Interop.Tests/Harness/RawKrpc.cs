using System.Net;
using System.Text;

namespace DhtNet.Interop.Tests.Harness;

/// <summary>
/// Builds raw KRPC argument dictionaries and checks raw replies against BEP 5 (and 32, 33, 42,
/// 44, 51): what a strict peer expects of a well-formed message.
/// </summary>
public static class RawKrpc
{
    /// <summary>A dictionary from (key, value) pairs; keys are sorted by the encoder.</summary>
    public static BencodeDictionary Dictionary(params (string Key, BencodeValue Value)[] entries) =>
        new(entries.Select(e => new KeyValuePair<byte[], BencodeValue>(Encoding.ASCII.GetBytes(e.Key), e.Value)));

    /// <summary>A node id or hash as a 20-byte string.</summary>
    public static BencodeString Id(NodeId id) => new(id.ToArray());

    /// <summary>A byte string.</summary>
    public static BencodeString Bytes(ReadOnlySpan<byte> bytes) => new(bytes);

    /// <summary>An integer.</summary>
    public static BencodeInteger Int(long value) => new(value);

    /// <summary>The bytes of the byte string at <paramref name="key"/>, or null.</summary>
    public static byte[]? GetBytes(BencodeDictionary dictionary, string key) =>
        dictionary[key] is BencodeString s ? s.Bytes.ToArray() : null;

    /// <summary>The integer at <paramref name="key"/>, or null.</summary>
    public static long? GetInt(BencodeDictionary dictionary, string key) =>
        dictionary[key] is BencodeInteger i ? i.Value : null;

    /// <summary>The <c>r</c> dictionary of a response; fails the test when the message is anything else.</summary>
    public static BencodeDictionary Body(BencodeDictionary message) =>
        Assert.IsType<BencodeDictionary>(message["r"]);

    /// <summary>The [code, text] of an error message; fails the test when it is not one.</summary>
    public static (long Code, string Text) Error(BencodeDictionary message)
    {
        Assert.Equal(new BencodeString("e"), message["y"]);
        var list = Assert.IsType<BencodeList>(message["e"]);
        Assert.Equal(2, list.Items.Count);
        return (Assert.IsType<BencodeInteger>(list.Items[0]).Value, Encoding.UTF8.GetString(Assert.IsType<BencodeString>(list.Items[1]).Bytes.Span));
    }

    /// <summary>
    /// What is wrong with <paramref name="message"/> as the response of <paramref name="responder"/>
    /// to a query from <paramref name="requester"/> with transaction id <paramref name="transactionId"/>
    /// (null: not known): empty when it is well-formed.
    /// </summary>
    public static IReadOnlyList<string> ResponseProblems(BencodeDictionary message, NodeId responder, IPEndPoint requester, byte[]? transactionId = null)
    {
        var problems = new List<string>();
        if (message["y"] is not BencodeString { } y || !y.Bytes.Span.SequenceEqual("r"u8))
        {
            problems.Add($"y is {message["y"]}, not r");
        }

        if (message["t"] is not BencodeString t)
        {
            problems.Add("no t");
        }
        else if (transactionId is not null && !t.Bytes.Span.SequenceEqual(transactionId))
        {
            problems.Add($"t {Convert.ToHexString(t.Bytes.Span)} does not echo {Convert.ToHexString(transactionId)}");
        }

        // BEP 42: the requester's address as we saw it, compact.
        if (GetBytes(message, "ip") is not { } ip)
        {
            problems.Add("no ip");
        }
        else if (!ip.AsSpan().SequenceEqual(Compact(requester)))
        {
            problems.Add($"ip {Convert.ToHexString(ip)} is not the requester {requester}");
        }

        if (message["r"] is not BencodeDictionary r)
        {
            problems.Add("no r dictionary");
            return problems;
        }

        if (GetBytes(r, "id") is not { Length: 20 } id)
        {
            problems.Add("r.id is not 20 bytes");
        }
        else if (!id.AsSpan().SequenceEqual(responder.ToArray()))
        {
            problems.Add($"r.id {Convert.ToHexStringLower(id)} is not {responder}");
        }

        if (r["nodes"] is { } nodes && (nodes is not BencodeString n || n.Bytes.Length % 26 != 0))
        {
            problems.Add("r.nodes is not a multiple of 26 bytes");
        }

        if (r["nodes6"] is { } nodes6 && (nodes6 is not BencodeString n6 || n6.Bytes.Length % 38 != 0))
        {
            problems.Add("r.nodes6 is not a multiple of 38 bytes");
        }

        if (r["values"] is { } values
            && (values is not BencodeList list || list.Items.Any(v => v is not BencodeString { Bytes.Length: 6 or 18 })))
        {
            problems.Add("r.values is not a list of 6- or 18-byte strings");
        }

        if (r["token"] is { } token && token is not BencodeString { Bytes.Length: > 0 })
        {
            problems.Add("r.token is not a non-empty string");
        }

        foreach (string bloom in new[] { "BFsd", "BFpe" })
        {
            if (r[bloom] is { } filter && filter is not BencodeString { Bytes.Length: 256 })
            {
                problems.Add($"r.{bloom} is not 256 bytes");
            }
        }

        return problems;
    }

    /// <summary>Fails the test when <see cref="ResponseProblems"/> finds anything; returns <c>r</c>.</summary>
    public static BencodeDictionary AssertResponse(BencodeDictionary message, NodeId responder, IPEndPoint requester, byte[]? transactionId = null)
    {
        var problems = ResponseProblems(message, responder, requester, transactionId);
        Assert.True(problems.Count == 0, $"{string.Join("; ", problems)} in {message}");
        return (BencodeDictionary)message["r"]!;
    }

    /// <summary>The compact nodes of <c>r.nodes</c>.</summary>
    public static IReadOnlyList<NodeInfo> Nodes(BencodeDictionary r) => CompactNodes(r, "nodes", addressLength: 4);

    /// <summary>The compact peers (IPv4 and IPv6) of <c>r.values</c>.</summary>
    public static IReadOnlyList<IPEndPoint> Values(BencodeDictionary r) =>
        r["values"] is BencodeList list
            ? list.Items.OfType<BencodeString>().Where(s => s.Bytes.Length is 6 or 18).Select(s =>
            {
                var b = s.Bytes.Span;
                int port = (b[^2] << 8) | b[^1];
                return new IPEndPoint(new IPAddress(b[..^2]), port);
            }).ToArray()
            : [];

    /// <summary>The compact (address, port) form of an endpoint: 6 bytes for IPv4, 18 for IPv6.</summary>
    public static byte[] Compact(IPEndPoint endPoint)
    {
        var address = endPoint.Address.IsIPv4MappedToIPv6 ? endPoint.Address.MapToIPv4() : endPoint.Address;
        return [.. address.GetAddressBytes(), (byte)(endPoint.Port >> 8), (byte)endPoint.Port];
    }

    /// <summary>The compact IPv6 nodes of <c>r.nodes6</c>.</summary>
    public static IReadOnlyList<NodeInfo> Nodes6(BencodeDictionary r) => CompactNodes(r, "nodes6", addressLength: 16);

    // BEP 5 and 32 lay nodes out alike: a 20-byte id, the address, a big-endian port.
    private static List<NodeInfo> CompactNodes(BencodeDictionary r, string key, int addressLength)
    {
        int size = 20 + addressLength + 2;
        var bytes = GetBytes(r, key) ?? [];
        var nodes = new List<NodeInfo>();
        for (int i = 0; i + size <= bytes.Length; i += size)
        {
            var id = new NodeId(bytes.AsSpan(i, 20));
            var address = new IPAddress(bytes.AsSpan(i + 20, addressLength));
            int port = (bytes[i + size - 2] << 8) | bytes[i + size - 1];
            nodes.Add(new NodeInfo(id, new IPEndPoint(address, port)));
        }

        return nodes;
    }
}
