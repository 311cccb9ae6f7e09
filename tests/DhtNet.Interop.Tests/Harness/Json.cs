using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;

namespace DhtNet.Interop.Tests.Harness;

/// <summary>Reads the drivers' field conventions: hex for ids, keys and hashes; base64 for values; "host:port" endpoints.</summary>
internal static class Json
{
    public static string Hex(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(bytes);

    public static string Base64(ReadOnlySpan<byte> bytes) => Convert.ToBase64String(bytes);

    public static int Int(JsonObject o, string name) => Required(o, name).GetValue<int>();

    public static long? Long(JsonObject o, string name) => o[name] is { } value ? value.GetValue<long>() : null;

    public static bool Bool(JsonObject o, string name) => o[name] is { } value && value.GetValue<bool>();

    public static string? String(JsonObject o, string name) => o[name]?.GetValue<string>();

    public static byte[]? HexBytes(JsonObject o, string name) => String(o, name) is { } text ? Convert.FromHexString(text) : null;

    public static byte[]? Base64Bytes(JsonObject o, string name) => String(o, name) is { } text ? Convert.FromBase64String(text) : null;

    public static NodeId Id(JsonObject o, string name) => NodeId.Parse(Required(o, name).GetValue<string>());

    // "host:port", the host of an IPv6 endpoint in brackets ("[::1]:6881") as the drivers write it.
    public static IPEndPoint EndPoint(string text)
    {
        int colon = text.LastIndexOf(':');
        return new IPEndPoint(IPAddress.Parse(text[..colon].Trim('[', ']')), int.Parse(text[(colon + 1)..], CultureInfo.InvariantCulture));
    }

    public static string Text(IPEndPoint endPoint) => endPoint.ToString();

    public static IReadOnlyList<IPEndPoint> EndPoints(JsonObject o, string name) =>
        o[name] is JsonArray array ? array.Select(e => EndPoint(e!.GetValue<string>())).ToArray() : [];

    public static IReadOnlyList<NodeInfo> Nodes(JsonObject o, string name) =>
        o[name] is JsonArray array
            ? array.Select(n => new NodeInfo(
                NodeId.Parse(n!["id"]!.GetValue<string>()),
                new IPEndPoint(IPAddress.Parse(n["host"]!.GetValue<string>()), n["port"]!.GetValue<int>()))).ToArray()
            : [];

    public static JsonArray Array(IEnumerable<IPEndPoint> endPoints) => [.. endPoints.Select(e => (JsonNode)Text(e))];

    public static StoredItem? Item(JsonObject reply) =>
        Bool(reply, "found")
            ? new StoredItem(
                Base64Bytes(reply, "vBencoded")!,
                Base64Bytes(reply, "v"),
                Long(reply, "seq"),
                HexBytes(reply, "k"),
                HexBytes(reply, "sig"))
            : null;

    public static PeerPutResult Put(JsonObject reply) =>
        new(
            Id(reply, "hash"),
            reply["nodes"]?.GetValue<int>() ?? 0,
            String(reply, "error"),
            HexBytes(reply, "publicKey"),
            Long(reply, "seq"),
            HexBytes(reply, "sig"));

    private static JsonNode Required(JsonObject o, string name) =>
        o[name] ?? throw new InvalidOperationException($"The reply has no '{name}': {o.ToJsonString()}");
}
