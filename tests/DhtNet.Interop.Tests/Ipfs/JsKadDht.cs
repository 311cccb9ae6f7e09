using System.Text.Json.Nodes;
using DhtNet.Interop.Tests.LibP2p;

namespace DhtNet.Interop.Tests.Ipfs;

/// <summary>What one js kad-dht query yielded: providers, values, final peers and the errors js met (with the peer).</summary>
internal sealed record JsQueryResult(IReadOnlyList<PeerInfo> Providers, IReadOnlyList<byte[]> Values, IReadOnlyList<PeerInfo> Peers, IReadOnlyList<(string From, string Error)> Errors);

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
