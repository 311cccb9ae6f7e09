using System.Globalization;
using System.Text.Json;
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
            var table = Display.Table("#", "Node id", "Address", "Common prefix");
            int rank = 0;
            await foreach (var e in api.RpcAsync("dht/query", key.ToString(), cancellationToken: cancellationToken))
            {
                if (PeerOf(e) is not { } peer)
                {
                    continue;
                }

                output.Json("node", w =>
                {
                    w.WriteString("id", peer.Id.ToString());
                    w.WriteString("address", peer.Address);
                });
                table.Row((++rank).ToString(CultureInfo.InvariantCulture), peer.Id.ToString(), peer.Address, $"{key.CommonPrefixLength(peer.Id)} bits");
            }

            output.Line($"[bold]{rank} nodes closest to {key}[/]");
            output.Write(table);
            return ExitCodes.Success;
        });

    public static Task<int> FindPeerAsync(CliConsole console, ClientSettings settings, NodeId nodeId, CancellationToken cancellationToken) =>
        RunAsync(console, settings, cancellationToken, async (api, output) =>
        {
            await foreach (var e in api.RpcAsync("routing/findpeer", nodeId.ToString(), cancellationToken: cancellationToken))
            {
                if (PeerOf(e) is { } peer)
                {
                    output.Json("peer", w =>
                    {
                        w.WriteString("id", nodeId.ToString());
                        w.WriteString("address", peer.Address);
                    });
                    output.Line($"Node [bold]{nodeId}[/] is at [bold]{Display.Escape(peer.Address)}[/]");
                    return ExitCodes.Success;
                }
            }

            throw new CliException(ExitCodes.NotFound, $"node {nodeId} not found");
        });

    public static Task<int> FindProvidersAsync(CliConsole console, ClientSettings settings, NodeId infoHash, int max, CancellationToken cancellationToken) =>
        RunAsync(console, settings, cancellationToken, async (api, output) =>
        {
            output.Line($"[bold]Providers of {infoHash}[/]");
            int count = 0;
            try
            {
                await foreach (var e in api.RpcAsync("routing/findprovs", infoHash.ToString(), $"&num-providers={max}", cancellationToken))
                {
                    if (e.GetProperty("Type").GetInt32() != (int)QueryEventType.Provider)
                    {
                        continue;
                    }

                    foreach (var peer in e.GetProperty("Responses").EnumerateArray())
                    {
                        string address = Endpoint(peer.GetProperty("Addrs")[0].GetString()!);
                        count++;
                        output.Json("provider", w => w.WriteString("address", address));
                        output.Line($"  {Display.Escape(address)}");
                    }
                }
            }
            catch (CliException e) when (e.Message.StartsWith("timed out", StringComparison.Ordinal))
            {
                // As with a temporary node: the search ends quietly at --timeout with what it found.
            }

            output.Line(count == 0 ? "  [yellow]none found[/]" : $"[bold]{count} found[/]");
            return ExitCodes.Success;
        });

    public static Task<int> ProvideAsync(CliConsole console, ClientSettings settings, IReadOnlyList<NodeId> infoHashes, CancellationToken cancellationToken) =>
        RunAsync(console, settings, cancellationToken, async (api, output) =>
        {
            foreach (var infoHash in infoHashes)
            {
                await foreach (var _ in api.RpcAsync("routing/provide", infoHash.ToString(), cancellationToken: cancellationToken))
                {
                }

                output.Json("provided", w => w.WriteString("infohash", infoHash.ToString()));
                output.Line($"The node behind the API announced [bold]{infoHash}[/].");
            }

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

            output.Line($"Node [bold]{state.GetProperty("id").GetString()}[/] ({state.GetProperty("network").GetString()}) at {Display.Escape(string.Join(", ", state.GetProperty("addresses").EnumerateArray().Select(a => a.GetString())))}");
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

                output.Line($"[bold]{table.GetProperty("family").GetString()} routing table[/]: {total} nodes");
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
            return ExitCodes.Success;
        });

    private static async Task<int> RunAsync(CliConsole console, ClientSettings settings, CancellationToken cancellationToken, Func<ApiClient, CliOutput, Task<int>> work)
    {
        var output = new CliOutput(console, settings.Json);
        using var api = new ApiClient(settings.Api!, settings.Timeout);
        return await work(api, output);
    }

    private static string Number(JsonElement element, string name) =>
        element.GetProperty(name).GetInt64().ToString("N0", CultureInfo.InvariantCulture);

    /// <summary>The node a final-peer event names: its id and "address:port".</summary>
    private static (NodeId Id, string Address)? PeerOf(JsonElement e)
    {
        if (e.GetProperty("Type").GetInt32() != (int)QueryEventType.FinalPeer || e.GetProperty("Responses").ValueKind != JsonValueKind.Array)
        {
            return null;
        }

        var peer = e.GetProperty("Responses")[0];
        return MainlineNames.TryParseNode(peer.GetProperty("ID").GetString() ?? "", out var id)
            ? (id, Endpoint(peer.GetProperty("Addrs")[0].GetString()!))
            : null;
    }

    /// <summary>"/ip4/1.2.3.4/udp/6881" as the CLI prints addresses: "1.2.3.4:6881" ("[::1]:6881").</summary>
    private static string Endpoint(string multiaddr)
    {
        string[] parts = multiaddr.Split('/');
        return parts.Length == 5 ? (parts[1] == "ip6" ? $"[{parts[2]}]:{parts[4]}" : $"{parts[2]}:{parts[4]}") : multiaddr;
    }
}
