using System.Text.Json.Nodes;
using DhtNet.Interop.Tests.Harness;

namespace DhtNet.Interop.Tests.LibP2p;

/// <summary>
/// A js-libp2p 3.3.11 node (TCP, Noise, yamux, identify, ping) on 127.0.0.1, run by
/// peers/libp2p-peer.mjs under Node with the Promise.withResolvers polyfill. It serves the test
/// protocols <see cref="Echo"/> and <see cref="Sink"/>; its events are "connect", "disconnect" and
/// "identify" (protocols, listenAddrs, observedAddr, agentVersion of a peer).
/// </summary>
public sealed class JsLibp2pPeer : IAsyncDisposable
{
    /// <summary>Echoes every byte until the writer half-closes, then half-closes.</summary>
    public const string Echo = "/dhtnet/test/echo/1.0.0";

    /// <summary>Counts bytes until the writer half-closes, then answers the count as a big-endian ulong.</summary>
    public const string Sink = "/dhtnet/test/sink/1.0.0";

    private static readonly Lazy<string?> Problem = new(Check);

    private JsLibp2pPeer(PeerProcess process, PeerId peerId, IReadOnlyList<Multiaddr> addresses)
    {
        Process = process;
        PeerId = peerId;
        Addresses = addresses;
    }

    public PeerProcess Process { get; }

    public PeerId PeerId { get; }

    /// <summary>Its listen addresses, each ending in /p2p/{peer id}.</summary>
    public IReadOnlyList<Multiaddr> Addresses { get; }

    /// <summary>Starts a node listening on 127.0.0.1; fails the test (never skips) when js-libp2p is not installed.</summary>
    public static async Task<JsLibp2pPeer> StartAsync(CancellationToken cancellationToken = default)
    {
        if (Problem.Value is { } problem)
        {
            Assert.Fail($"js-libp2p (node + npm ci) is not usable: {problem}. {PeerRequirements.InstallHint}");
        }

        var process = PeerProcess.Start("js-libp2p", "node", ["--import", "./polyfill.mjs", "libp2p-peer.mjs"], PeerPaths.PeersDirectory);
        try
        {
            var reply = await process.SendAsync("start", cancellationToken: cancellationToken).ConfigureAwait(false);
            var addresses = reply["addrs"]!.AsArray().Select(a => Multiaddr.Parse(a!.GetValue<string>())).ToArray();
            return new JsLibp2pPeer(process, PeerId.Parse(reply["peerId"]!.GetValue<string>()), addresses);
        }
        catch
        {
            await process.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Dials <paramref name="address"/> (with /p2p/); the remote peer id js saw.</summary>
    public async Task<PeerId> DialAsync(Multiaddr address, CancellationToken cancellationToken = default)
    {
        var reply = await Process.SendAsync("dial", new JsonObject { ["addr"] = address.ToString() }, cancellationToken: cancellationToken).ConfigureAwait(false);
        return PeerId.Parse(reply["peerId"]!.GetValue<string>());
    }

    /// <summary>What js's peer store holds about <paramref name="peer"/>: protocols and addresses.</summary>
    public async Task<(IReadOnlyList<string> Protocols, IReadOnlyList<string> Addresses)> PeerAsync(PeerId peer, CancellationToken cancellationToken = default)
    {
        var reply = await Process.SendAsync("peer", new JsonObject { ["peerId"] = peer.ToString() }, cancellationToken: cancellationToken).ConfigureAwait(false);
        return (Strings(reply["protocols"]), Strings(reply["addrs"]));
    }

    /// <summary>Waits for js's identify event about <paramref name="peer"/>.</summary>
    public Task<JsonObject> WaitForIdentifyAsync(PeerId peer, Func<JsonObject, bool>? predicate = null, CancellationToken cancellationToken = default) =>
        Process.WaitForEventAsync("identify", e => e["peerId"]?.GetValue<string>() == peer.ToString() && (predicate is null || predicate(e)), TimeSpan.FromSeconds(30), cancellationToken);

    /// <summary>A js ping of <paramref name="peer"/>; the round-trip time in ms.</summary>
    public async Task<double> PingAsync(PeerId peer, CancellationToken cancellationToken = default)
    {
        var reply = await Process.SendAsync("ping", new JsonObject { ["peerId"] = peer.ToString() }, cancellationToken: cancellationToken).ConfigureAwait(false);
        return reply["rtt"]!.GetValue<double>();
    }

    /// <summary>js opens <paramref name="streams"/> echo streams to <paramref name="peer"/> at once, <paramref name="size"/> bytes each; how many came back intact.</summary>
    public async Task<int> EchoAsync(PeerId peer, int streams, int size, CancellationToken cancellationToken = default)
    {
        var reply = await Process.SendAsync("echo", new JsonObject { ["peerId"] = peer.ToString(), ["streams"] = streams, ["size"] = size }, TimeSpan.FromMinutes(3), cancellationToken).ConfigureAwait(false);
        return reply["intact"]!.GetValue<int>();
    }

    /// <summary>
    /// js opens <paramref name="streams"/> sink streams, sends <paramref name="after"/> bytes on each,
    /// then "close"s them early, "reset"s them, or ends the whole "connection" (or "abortConnection").
    /// </summary>
    public Task InterruptAsync(PeerId peer, string mode, int streams, int after, CancellationToken cancellationToken = default) =>
        Process.SendAsync("interrupt", new JsonObject { ["peerId"] = peer.ToString(), ["mode"] = mode, ["streams"] = streams, ["after"] = after }, TimeSpan.FromMinutes(1), cancellationToken);

    /// <summary>js's open connections: peer id and stream count of each.</summary>
    public async Task<IReadOnlyList<(string PeerId, int Streams)>> ConnectionsAsync(CancellationToken cancellationToken = default)
    {
        var reply = await Process.SendAsync("connections", cancellationToken: cancellationToken).ConfigureAwait(false);
        return reply["connections"]!.AsArray().Select(c => (c!["peerId"]!.GetValue<string>(), c["streams"]!.GetValue<int>())).ToArray();
    }

    /// <summary>Registers a protocol on the js side (its handler closes each stream at once).</summary>
    public Task HandleAsync(string protocol, CancellationToken cancellationToken = default) =>
        Process.SendAsync("handle", new JsonObject { ["protocol"] = protocol }, cancellationToken: cancellationToken);

    public ValueTask DisposeAsync() => Process.DisposeAsync();

    public override string ToString() => $"js-libp2p {PeerId}";

    private static IReadOnlyList<string> Strings(JsonNode? node) =>
        node is JsonArray array ? array.Select(n => n!.GetValue<string>()).ToArray() : [];

    private static string? Check()
    {
        if (PeerPaths.FindOnPath("node") is null)
        {
            return "node is not on PATH";
        }

        foreach (string package in new[] { "libp2p", "@libp2p/tcp", "@chainsafe/libp2p-noise", "@chainsafe/libp2p-yamux", "@libp2p/identify", "@libp2p/ping" })
        {
            string manifest = Path.Combine(PeerPaths.PeersDirectory, "node_modules", package, "package.json");
            if (!File.Exists(manifest))
            {
                return $"{manifest} does not exist";
            }
        }

        return null;
    }
}
