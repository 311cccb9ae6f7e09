using System.Globalization;
using System.Text.Json.Nodes;
using DhtNet.Interop.Tests.LibP2p;

namespace DhtNet.Interop.Tests.Ipfs;

/// <summary>What one js kad-dht query yielded: providers, values, final peers and the errors js met (with the peer).</summary>
internal sealed record JsQueryResult(IReadOnlyList<PeerInfo> Providers, IReadOnlyList<byte[]> Values, IReadOnlyList<PeerInfo> Peers, IReadOnlyList<(string From, string Error)> Errors);

/// <summary>An IPNS record as the npm ipns package read it after validating it for its routing key.</summary>
internal sealed record JsIpnsRecord(string Value, ulong Sequence, string Validity, ulong TtlNanoseconds, bool V1Compatible);

/// <summary>The kad-dht 16.4.5 commands of peers/libp2p-peer.mjs, for a peer started with {"dht": true}.</summary>
internal static class JsKadDht
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    public static Task<JsLibp2pPeer> StartAsync() => JsLibp2pPeer.StartAsync(new JsonObject { ["dht"] = true });

    public static Task<JsQueryResult> ProvideAsync(this JsLibp2pPeer js, Cid cid) => QueryAsync(js, "dhtProvide", new JsonObject { ["cid"] = cid.ToString() });

    public static Task<JsQueryResult> FindProvidersAsync(this JsLibp2pPeer js, Cid cid) => QueryAsync(js, "dhtFindProviders", new JsonObject { ["cid"] = cid.ToString() });

    public static Task<JsQueryResult> PutAsync(this JsLibp2pPeer js, byte[] key, byte[] value) =>
        QueryAsync(js, "dhtPut", new JsonObject { ["key"] = Convert.ToBase64String(key), ["value"] = Convert.ToBase64String(value) });

    public static Task<JsQueryResult> GetAsync(this JsLibp2pPeer js, byte[] key) => QueryAsync(js, "dhtGet", new JsonObject { ["key"] = Convert.ToBase64String(key) });

    public static Task<JsQueryResult> FindPeerAsync(this JsLibp2pPeer js, PeerId peer) => QueryAsync(js, "dhtFindPeer", new JsonObject { ["peerId"] = peer.ToString() });

    public static Task<JsQueryResult> ClosestAsync(this JsLibp2pPeer js, byte[] key) => QueryAsync(js, "dhtClosest", new JsonObject { ["key"] = Convert.ToBase64String(key) });

    /// <summary>An IPNS record for js's own name, made and signed by the npm ipns package: its routing key and the record.</summary>
    public static async Task<(byte[] Key, byte[] Record)> CreateIpnsAsync(this JsLibp2pPeer js, string value, ulong sequence, TimeSpan lifetime, bool v1Compatible)
    {
        var reply = await js.Process.SendAsync("ipnsCreate", new JsonObject
        {
            ["value"] = value,
            ["seq"] = sequence,
            ["lifetimeMs"] = (long)lifetime.TotalMilliseconds,
            ["v1Compatible"] = v1Compatible,
        });
        return (Convert.FromBase64String(reply["key"]!.GetValue<string>()), Convert.FromBase64String(reply["record"]!.GetValue<string>()));
    }

    /// <summary>js validates <paramref name="record"/> for <paramref name="key"/> with the ipns package (the command fails if it is invalid) and reads it.</summary>
    public static async Task<JsIpnsRecord> InspectIpnsAsync(this JsLibp2pPeer js, byte[] key, byte[] record)
    {
        var reply = await js.Process.SendAsync("ipnsInspect", new JsonObject { ["key"] = Convert.ToBase64String(key), ["record"] = Convert.ToBase64String(record) });
        return new JsIpnsRecord(
            reply["value"]!.GetValue<string>(),
            ulong.Parse(reply["sequence"]!.GetValue<string>(), CultureInfo.InvariantCulture),
            reply["validity"]!.GetValue<string>(),
            ulong.Parse(reply["ttl"]!.GetValue<string>(), CultureInfo.InvariantCulture),
            reply["v1"]!.GetValue<bool>());
    }

    /// <summary>The peer ids in js's routing table.</summary>
    public static async Task<IReadOnlyList<PeerId>> TableAsync(this JsLibp2pPeer js)
    {
        var reply = await js.Process.SendAsync("dhtTable");
        return reply["peers"]!.AsArray().Select(p => PeerId.Parse(p!.GetValue<string>())).ToArray();
    }

    private static async Task<JsQueryResult> QueryAsync(JsLibp2pPeer js, string command, JsonObject arguments)
    {
        arguments["timeoutMs"] = 30_000;
        var reply = await js.Process.SendAsync(command, arguments, Patience);
        return new JsQueryResult(
            Peers(reply["providers"]),
            reply["values"]!.AsArray().Select(v => Convert.FromBase64String(v!["value"]!.GetValue<string>())).ToArray(),
            Peers(reply["peers"]),
            reply["errors"]!.AsArray().Select(e => (e!["from"]?.GetValue<string>() ?? "", e["error"]!.GetValue<string>())).ToArray());
    }

    private static PeerInfo[] Peers(JsonNode? node) =>
        node!.AsArray().Select(p => new PeerInfo(
            PeerId.Parse(p!["peerId"]!.GetValue<string>()),
            p["addrs"]!.AsArray().Select(a => Multiaddr.Parse(a!.GetValue<string>()).WithoutPeerId()).ToArray())).ToArray();
}
