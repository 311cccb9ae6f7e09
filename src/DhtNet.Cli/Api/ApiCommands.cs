using System.Globalization;
using System.Net;
using System.Text.Json;
using DhtNet.Cli.Commands;
using DhtNet.Cli.Hosting;
using DhtNet.Cli.Input;
using DhtNet.Cli.Output;

namespace DhtNet.Cli.Api;

/// <summary>The one-shot commands given --api: the same output as with a temporary node, asked of a running one.</summary>
internal static class ApiCommands
{
    public static Task<int> QueryAsync(CliConsole console, ClientSettings settings, NodeId key, CancellationToken cancellationToken) =>
        RunAsync(console, settings, cancellationToken, async (api, output) =>
        {
            var nodes = new List<NodeInfo>();
            await foreach (var e in api.RpcAsync("dht/query", key.ToString(), DhtNetworks.Mainline, cancellationToken: cancellationToken))
            {
                if (FinalPeer(e) is { } peer && MainlineNames.TryParseNode(peer.GetProperty("ID").GetString() ?? "", out var id) && FirstEndPoint(peer) is { } endPoint)
                {
                    nodes.Add(new NodeInfo(id, endPoint));
                }
            }

            QueryCommand.Write(output, key, nodes);
            return ExitCodes.Success;
        });

    public static Task<int> QueryIpfsAsync(CliConsole console, ClientSettings settings, byte[] key, string shown, CancellationToken cancellationToken) =>
        RunAsync(console, settings, cancellationToken, async (api, output) =>
        {
            var peers = new List<PeerInfo>();
            await foreach (var e in api.RpcAsync("dht/query", shown, DhtNetworks.Ipfs, cancellationToken: cancellationToken))
            {
                if (FinalPeer(e) is { } peer)
                {
                    peers.Add(IpfsPeer(peer));
                }
            }

            QueryCommand.WriteIpfs(output, key, shown, peers);
            return ExitCodes.Success;
        });

    public static Task<int> FindPeerAsync(CliConsole console, ClientSettings settings, NodeId nodeId, CancellationToken cancellationToken) =>
        RunAsync(console, settings, cancellationToken, async (api, output) =>
        {
            await foreach (var e in NotFoundAs(api.RpcAsync("routing/findpeer", nodeId.ToString(), DhtNetworks.Mainline, cancellationToken: cancellationToken), $"node {nodeId} not found"))
            {
                if (FinalPeer(e) is { } peer && FirstEndPoint(peer) is { } endPoint)
                {
                    FindPeerCommand.Write(output, new NodeInfo(nodeId, endPoint));
                    return ExitCodes.Success;
                }
            }

            throw new CliException(ExitCodes.NotFound, $"node {nodeId} not found");
        });

    public static Task<int> FindPeerIpfsAsync(CliConsole console, ClientSettings settings, PeerId peerId, CancellationToken cancellationToken) =>
        RunAsync(console, settings, cancellationToken, async (api, output) =>
        {
            await foreach (var e in NotFoundAs(api.RpcAsync("routing/findpeer", peerId.ToString(), DhtNetworks.Ipfs, cancellationToken: cancellationToken), $"peer {peerId} not found"))
            {
                if (FinalPeer(e) is { } peer)
                {
                    FindPeerCommand.WriteIpfs(output, IpfsPeer(peer));
                    return ExitCodes.Success;
                }
            }

            throw new CliException(ExitCodes.NotFound, $"peer {peerId} not found");
        });

    public static Task<int> FindProvidersAsync(CliConsole console, ClientSettings settings, NodeId infoHash, int max, CancellationToken cancellationToken) =>
        RunAsync(console, settings, cancellationToken, async (api, output) =>
        {
            var providers = Providers(api, infoHash.ToString(), DhtNetworks.Mainline, max, cancellationToken)
                .Select(p => FirstEndPoint(p) ?? throw new CliException(ExitCodes.Failed, "the API answered a provider without an address"));
            await FindProvidersCommand.WriteAsync(output, infoHash.ToString(), providers, FindProvidersCommand.WriteProvider);
            return ExitCodes.Success;
        });

    public static Task<int> FindProvidersIpfsAsync(CliConsole console, ClientSettings settings, Cid cid, int max, CancellationToken cancellationToken) =>
        RunAsync(console, settings, cancellationToken, async (api, output) =>
        {
            var providers = Providers(api, cid.ToString(), DhtNetworks.Ipfs, max, cancellationToken).Select(IpfsPeer);
            await FindProvidersCommand.WriteAsync(output, cid.ToString(), providers, FindProvidersCommand.WriteIpfsProvider);
            return ExitCodes.Success;
        });

    public static Task<int> ProvideAsync(CliConsole console, ClientSettings settings, IReadOnlyList<NodeId> infoHashes, CancellationToken cancellationToken) =>
        RunAsync(console, settings, cancellationToken, async (api, output) =>
        {
            foreach (var infoHash in infoHashes)
            {
                await foreach (var _ in api.RpcAsync("routing/provide", infoHash.ToString(), DhtNetworks.Mainline, cancellationToken: cancellationToken))
                {
                }

                output.Json("provided", w => w.WriteString("infohash", infoHash.ToString()));
                output.Line($"The node behind the API announced [bold]{infoHash}[/].");
            }

            return ExitCodes.Success;
        });

    /// <summary>
    /// Provides each CID from the running node, which must hold its block (`add` or `block/put` it there first):
    /// the provider records carry that node's peer id and addresses, which /api/v0/id gives.
    /// </summary>
    public static Task<int> ProvideIpfsAsync(CliConsole console, ClientSettings settings, IReadOnlyList<Cid> cids, CancellationToken cancellationToken) =>
        RunAsync(console, settings, cancellationToken, async (api, output) =>
        {
            var provider = await IdentityAsync(api, cancellationToken);
            var table = Display.Table("CID", "Stored on");
            foreach (var cid in cids)
            {
                await foreach (var _ in api.RpcAsync("routing/provide", cid.ToString(), DhtNetworks.Ipfs, cancellationToken: cancellationToken))
                {
                }

                ProvideCommand.WriteIpfsProvided(output, table, cid, stored: null, provider);
            }

            output.Write(table);
            return ExitCodes.Success;
        });

    /// <summary>
    /// A BEP 44 item by its target. The RPC gives a byte-string value's bytes, or another value bencoded as it is;
    /// an immutable item's target (the SHA-1 of the bencoded value) tells which, and a mutable item's value counts
    /// as bencoded when it parses as a whole bencoded value other than a byte string.
    /// </summary>
    public static Task<int> GetAsync(CliConsole console, ClientSettings settings, NodeId target, Func<CliOutput, ReadOnlyMemory<byte>, Task>? sink, CancellationToken cancellationToken) =>
        RunAsync(console, settings, cancellationToken, async (api, output) =>
        {
            byte[] value = await ValueAsync(api.RpcAsync("routing/get", target.ToString(), DhtNetworks.Mainline, cancellationToken: cancellationToken), $"no item found for target {target}");
            byte[] wrapped = ItemValues.Wrap(value);
            byte[] bencoded = ItemRules.ImmutableTarget(wrapped) == target || !IsBencodedNonString(value) ? wrapped : value;
            await GetCommand.WriteItemAsync(output, target, bencoded, item: null, sink);
            return ExitCodes.Success;
        });

    public static Task<int> GetIpfsAsync(CliConsole console, ClientSettings settings, string keyText, Func<CliOutput, ReadOnlyMemory<byte>, Task>? sink, CancellationToken cancellationToken) =>
        RunAsync(console, settings, cancellationToken, async (api, output) =>
        {
            byte[] value = await ValueAsync(api.RpcAsync("routing/get", keyText, DhtNetworks.Ipfs, cancellationToken: cancellationToken), $"no record found for {keyText}");
            try
            {
                await GetCommand.WriteIpfsValueAsync(output, keyText, value, sink);
            }
            catch (LibP2pFormatException e)
            {
                throw new CliException(ExitCodes.Failed, $"the node answered a record for {keyText} that does not parse ({e.Message})");
            }

            return ExitCodes.Success;
        });

    /// <summary>Stores an immutable item through the node: the RPC takes the value's bytes and the target they hash to.</summary>
    public static Task<int> PutAsync(CliConsole console, ClientSettings settings, byte[] bencoded, CancellationToken cancellationToken) =>
        RunAsync(console, settings, cancellationToken, async (api, output) =>
        {
            var target = ItemRules.ImmutableTarget(bencoded);
            byte[] value = ItemValues.Unwrap(bencoded).ToArray();
            await foreach (var _ in api.RpcAsync("routing/put", target.ToString(), DhtNetworks.Mainline, body: value, cancellationToken: cancellationToken))
            {
            }

            PutCommand.Write(output, target, stored: null, sequence: null, ["--api", settings.Api!]);
            return ExitCodes.Success;
        });

    /// <summary>Stores a signed IPFS record (/pk/ or /ipns/) through the node, which validates it as it would a record from the network.</summary>
    public static Task<int> PutIpfsAsync(CliConsole console, ClientSettings settings, string keyText, byte[] record, CancellationToken cancellationToken) =>
        RunAsync(console, settings, cancellationToken, async (api, output) =>
        {
            await foreach (var _ in api.RpcAsync("routing/put", keyText, DhtNetworks.Ipfs, body: record, cancellationToken: cancellationToken))
            {
            }

            PutCommand.WriteIpfs(output, keyText, stored: null, ["--api", settings.Api!]);
            return ExitCodes.Success;
        });

    /// <summary>`dht stats`: the node's routing tables, stores and traffic, from its dashboard state.</summary>
    public static Task<int> StatsAsync(CliConsole console, string url, bool json, CancellationToken cancellationToken) =>
        RunAsync(console, new ClientSettings([], 0, TimeSpan.FromSeconds(10), json, Microsoft.Extensions.Logging.LogLevel.Warning, url), cancellationToken, async (api, output) =>
        {
            var state = await api.GetJsonAsync("/api/dashboard/state", cancellationToken);
            if (output.IsJson)
            {
                output.Json("stats", w =>
                {
                    foreach (var property in state.EnumerateObject())
                    {
                        property.WriteTo(w);
                    }
                });
                return ExitCodes.Success;
            }

            // A node running both networks lists each under "networks" (the top level repeats the first).
            var networks = state.TryGetProperty("networks", out var list) && list.ValueKind == JsonValueKind.Array ? [.. list.EnumerateArray()] : new List<JsonElement> { state };
            foreach (var network in networks)
            {
                WriteStats(output, network);
            }

            return ExitCodes.Success;
        });

    /// <summary>One network's routing tables, stores and traffic, as the dashboard state gives them.</summary>
    private static void WriteStats(CliOutput output, JsonElement state)
    {
        string name = state.GetProperty("network").GetString()!;
        string id = state.TryGetProperty("id", out var nodeId) ? nodeId.GetString()! : state.GetProperty("peerId").GetString()!;
        output.Line($"[bold]{Display.Escape(name)}[/]: node [bold]{Display.Escape(id)}[/] at {Display.Escape(string.Join(", ", state.GetProperty("addresses").EnumerateArray().Select(a => a.GetString())))}");
        int k = state.GetProperty("k").GetInt32();
        foreach (var table in state.GetProperty("tables").EnumerateArray())
        {
            var rows = Display.Table("Bucket", "Nodes", "Good", "Replacements");
            int total = 0;
            foreach (var bucket in table.GetProperty("buckets").EnumerateArray())
            {
                int nodes = bucket.GetProperty("nodes").GetInt32();
                total += nodes;
                rows.Row($"{bucket.GetProperty("depth").GetInt32()}:{bucket.GetProperty("prefix").GetString()}", $"{nodes}/{k}", Number(bucket, "good"), Number(bucket, "replacements"));
            }

            output.Line($"[bold]{Display.Escape(name)} {Display.Escape(table.GetProperty("family").GetString()!)} routing table[/]: {total} nodes");
            output.Write(rows);
        }

        var stores = Display.Table("Store", "Size", "Limit");
        foreach (var store in state.GetProperty("stores").EnumerateArray())
        {
            stores.Row(store.GetProperty("name").GetString()!, store.GetProperty("size").ValueKind == JsonValueKind.Null ? "not reported" : Number(store, "size"), Number(store, "cap"));
        }

        output.Write(stores);
        var traffic = Display.Table("Traffic", "Count");
        foreach (var counter in state.GetProperty("traffic").EnumerateObject())
        {
            traffic.Row(counter.Name, counter.Value.GetInt64().ToString("N0", CultureInfo.InvariantCulture));
        }

        foreach (var served in state.GetProperty("served").EnumerateObject())
        {
            traffic.Row($"served {served.Name}", served.Value.GetInt64().ToString("N0", CultureInfo.InvariantCulture));
        }

        output.Write(traffic);
    }

    private static async Task<int> RunAsync(CliConsole console, ClientSettings settings, CancellationToken cancellationToken, Func<ApiClient, CliOutput, Task<int>> work)
    {
        var output = new CliOutput(console, settings.Json);
        using var api = new ApiClient(settings.Api!, settings.Timeout);
        return await work(api, output);
    }

    private static string Number(JsonElement element, string name) =>
        element.GetProperty(name).GetInt64().ToString("N0", CultureInfo.InvariantCulture);

    /// <summary>The peers of provider events, ending quietly at --timeout with what was found (as a temporary node's search does).</summary>
    private static async IAsyncEnumerable<JsonElement> Providers(ApiClient api, string key, DhtNetworks network, int max, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var events = api.RpcAsync("routing/findprovs", key, network, $"&num-providers={max}", cancellationToken: cancellationToken).GetAsyncEnumerator(cancellationToken);
        while (true)
        {
            try
            {
                if (!await events.MoveNextAsync())
                {
                    yield break;
                }
            }
            catch (CliException e) when (ApiClient.IsTimeout(e))
            {
                yield break;
            }

            if (ApiClient.Type(events.Current) == QueryEventType.Provider && events.Current.TryGetProperty("Responses", out var responses) && responses.ValueKind == JsonValueKind.Array)
            {
                foreach (var peer in responses.EnumerateArray())
                {
                    yield return peer;
                }
            }
        }
    }

    /// <summary>The bytes of the first value event; "not found" becomes <paramref name="notFound"/> (exit 2).</summary>
    private static async Task<byte[]> ValueAsync(IAsyncEnumerable<JsonElement> events, string notFound)
    {
        await foreach (var e in NotFoundAs(events, notFound))
        {
            if (ApiClient.Type(e) == QueryEventType.Value && e.TryGetProperty("Extra", out var extra) && extra.ValueKind == JsonValueKind.String)
            {
                try
                {
                    return Convert.FromBase64String(extra.GetString()!);
                }
                catch (FormatException)
                {
                    throw new CliException(ExitCodes.Failed, "the API answered a value that is not base64");
                }
            }
        }

        throw new CliException(ExitCodes.NotFound, notFound);
    }

    /// <summary>The node's "routing: not found" said as the command says it without --api.</summary>
    private static async IAsyncEnumerable<JsonElement> NotFoundAs(IAsyncEnumerable<JsonElement> events, string message)
    {
        await using var e = events.GetAsyncEnumerator();
        while (true)
        {
            try
            {
                if (!await e.MoveNextAsync())
                {
                    yield break;
                }
            }
            catch (CliException failed) when (failed.ExitCode == ExitCodes.NotFound)
            {
                throw new CliException(ExitCodes.NotFound, message);
            }

            yield return e.Current;
        }
    }

    /// <summary>The node's IPFS identity as /api/v0/id gives it: its peer id and the addresses that end in /p2p/ (a node running both lists its Mainline ones too).</summary>
    private static async Task<PeerInfo> IdentityAsync(ApiClient api, CancellationToken cancellationToken)
    {
        var id = await api.GetJsonAsync("/api/v0/id", cancellationToken, post: true);
        if (!id.TryGetProperty("ID", out var text) || !PeerId.TryParse(text.GetString(), out var peerId))
        {
            throw new CliException(ExitCodes.Failed, "the node's /api/v0/id names no IPFS peer id");
        }

        var addresses = id.TryGetProperty("Addresses", out var list) && list.ValueKind == JsonValueKind.Array
            ? list.EnumerateArray().Select(a => Multiaddr.TryParse(a.GetString(), out var m) ? m : null).OfType<Multiaddr>().Where(m => m.ToString().Contains("/p2p/", StringComparison.Ordinal)).ToList()
            : [];
        return new PeerInfo(peerId, addresses);
    }

    /// <summary>The peer a final-peer event names, or null for other events.</summary>
    private static JsonElement? FinalPeer(JsonElement e) =>
        ApiClient.Type(e) == QueryEventType.FinalPeer && e.TryGetProperty("Responses", out var responses) && responses.ValueKind == JsonValueKind.Array && responses.GetArrayLength() > 0
            ? responses[0]
            : null;

    /// <summary>An IPFS peer from an event's {"ID","Addrs"}; what does not parse is the node's fault, said so.</summary>
    private static PeerInfo IpfsPeer(JsonElement peer)
    {
        if (peer.ValueKind != JsonValueKind.Object || !peer.TryGetProperty("ID", out var id) || !PeerId.TryParse(id.GetString(), out var peerId))
        {
            throw new CliException(ExitCodes.Failed, "the API answered a peer without a peer id");
        }

        var addresses = peer.TryGetProperty("Addrs", out var addrs) && addrs.ValueKind == JsonValueKind.Array
            ? addrs.EnumerateArray().Select(a => Multiaddr.TryParse(a.GetString(), out var m) ? m.WithoutPeerId() : null).OfType<Multiaddr>().ToList()
            : [];
        return new PeerInfo(peerId, addresses);
    }

    /// <summary>The first address of a Mainline peer ("/ip4/1.2.3.4/udp/6881") as an endpoint, or null.</summary>
    private static IPEndPoint? FirstEndPoint(JsonElement peer)
    {
        if (!peer.TryGetProperty("Addrs", out var addrs) || addrs.ValueKind != JsonValueKind.Array || addrs.GetArrayLength() == 0)
        {
            return null;
        }

        string[] parts = (addrs[0].GetString() ?? "").Split('/');
        return parts.Length == 5 && parts[1] is "ip4" or "ip6" && IPAddress.TryParse(parts[2], out var address) && ushort.TryParse(parts[4], NumberStyles.None, CultureInfo.InvariantCulture, out ushort port)
            ? new IPEndPoint(address, port)
            : null;
    }

    private static bool IsBencodedNonString(byte[] value)
    {
        try
        {
            return BencodeValue.Parse(value, BencodeReaderOptions.Lax) is not BencodeString;
        }
        catch (BencodeException)
        {
            return false;
        }
    }
}
