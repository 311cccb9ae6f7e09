using System.Reflection;
using System.Runtime.InteropServices;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace DhtNet.Cli.Api;

/// <summary>
/// The IPFS HTTP RPC commands a DHT can answer, under both path families the JavaScript clients
/// use: /api/v0/dht/* (ipfs-http-client 60) and /api/v0/routing/* (kubo-rpc-client 7). All are POST,
/// as kubo requires.
/// </summary>
internal static class RpcEndpoints
{
    /// <summary>Largest record value accepted by put (an IPNS record is at most 10 KiB; a BEP 44 value 1000 bytes).</summary>
    public const int MaxPutBody = IpnsRecord.MaxSize;

    public static string Version { get; } =
        typeof(RpcEndpoints).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    public static void Map(IEndpointRouteBuilder app, RoutingNetworks networks)
    {
        foreach (string family in new[] { "dht", "routing" })
        {
            app.MapPost($"/api/v0/{family}/findprovs", (HttpContext c) =>
            {
                var (network, arg) = For(c, KeyKind.Content);
                return Run(c, network.FindProvidersAsync(network.ResolveKey("arg", arg), ApiArguments.Providers(c.Request), c.RequestAborted));
            });
            app.MapPost($"/api/v0/{family}/findpeer", (HttpContext c) =>
            {
                var (network, arg) = For(c, KeyKind.Peer);
                return Run(c, network.FindPeerAsync(network.ResolvePeer("arg", arg), c.RequestAborted));
            });
            app.MapPost($"/api/v0/{family}/get", (HttpContext c) =>
            {
                var (network, arg) = For(c, KeyKind.Record);
                return Run(c, network.GetAsync("arg", arg, c.RequestAborted));
            });
            app.MapPost($"/api/v0/{family}/put", PutAsync);
            app.MapPost($"/api/v0/{family}/provide", (HttpContext c) =>
            {
                var (network, arg) = For(c, KeyKind.Content);
                return Run(c, network.ProvideAsync(network.ResolveKey("arg", arg), c.RequestAborted));
            });
        }

        // Both clients query through /dht (kubo has no routing/query). A peer id or, on IPFS, a CID.
        app.MapPost("/api/v0/dht/query", (HttpContext c) =>
        {
            var (network, arg) = For(c, KeyKind.Peer, KeyKind.Content);
            var key = network.Match(KeyKind.Peer, arg) != KeyMatch.None || network.Match(KeyKind.Content, arg) == KeyMatch.None
                ? network.ResolvePeer("arg", arg)
                : network.ResolveKey("arg", arg);
            return ApiResponses.WriteEventsAsync(c, network.QueryAsync(key, c.RequestAborted), ApiArguments.Timeout(c.Request), holdHops: false);
        });

        app.MapPost("/api/v0/id", (HttpContext c) => ApiResponses.WriteJsonAsync(c, w =>
        {
            var primary = networks.Primary;
            var self = primary.Self;
            w.WriteStartObject();
            w.WriteString("ID"u8, self.Id);
            w.WriteString("PublicKey"u8, primary is IpfsNetwork ipfs ? Convert.ToBase64String(ipfs.PublicKey.Marshal()) : "");
            w.WriteStartArray("Addresses"u8);
            foreach (var network in networks.All)
            {
                foreach (string address in network.Self.Addrs)
                {
                    w.WriteStringValue(address);
                }
            }

            w.WriteEndArray();
            w.WriteString("AgentVersion"u8, $"dhtnet/{Version}");
            w.WriteString("ProtocolVersion"u8, string.Join('+', networks.All.Select(n => n.Name)));
            w.WriteStartArray("Protocols"u8);
            if (primary is IpfsNetwork served)
            {
                foreach (string protocol in served.Host.Protocols)
                {
                    w.WriteStringValue(protocol);
                }
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }));

        app.MapPost("/api/v0/version", (HttpContext c) => ApiResponses.WriteJsonAsync(c, w =>
        {
            w.WriteStartObject();
            w.WriteString("Version"u8, Version);
            w.WriteString("Commit"u8, "");
            w.WriteString("Repo"u8, "");
            w.WriteString("System"u8, $"{RuntimeInformation.OSArchitecture.ToString().ToLowerInvariant()}/{RuntimeInformation.OSDescription}");
            w.WriteString("Golang"u8, "");
            w.WriteEndObject();
        }));

        // The routing table stands in for connections: Mainline has none, only nodes we exchange datagrams with.
        app.MapPost("/api/v0/swarm/peers", (HttpContext c) => ApiResponses.WriteJsonAsync(c, w =>
        {
            w.WriteStartObject();
            w.WriteStartArray("Peers"u8);
            foreach (var peer in networks.All.SelectMany(n => n.Peers(MaxSwarmPeers)).Take(MaxSwarmPeers))
            {
                w.WriteStartObject();
                w.WriteString("Addr"u8, peer.Addrs.Count > 0 ? peer.Addrs[0] : "");
                w.WriteString("Peer"u8, peer.Id);
                w.WriteString("Latency"u8, "");
                w.WriteString("Muxer"u8, "");
                w.WriteNumber("Direction"u8, 0);
                w.WriteNull("Streams"u8);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }));

        if (networks.Find("ipfs") is IpfsNetwork ipfs)
        {
            IpfsEndpoints.Map(app, ipfs);
        }

        // kubo answers other methods with 405; so do we, rather than falling through to "no such command".
        foreach (var endpoint in app.DataSources.SelectMany(d => d.Endpoints).OfType<RouteEndpoint>().ToList())
        {
            string? path = endpoint.RoutePattern.RawText;
            if (path is not null && path.StartsWith("/api/v0/", StringComparison.Ordinal))
            {
                app.MapMethods(path, ["GET", "PUT", "DELETE", "PATCH"], (HttpContext c) =>
                    ApiResponses.WriteErrorAsync(c, StatusCodes.Status405MethodNotAllowed, $"{c.Request.Method} not allowed: use POST", ApiResponses.ClientError));
            }
        }

        Task Run(HttpContext context, IAsyncEnumerable<QueryEvent> events) =>
            ApiResponses.WriteEventsAsync(context, events, ApiArguments.Timeout(context.Request));

        async Task PutAsync(HttpContext context)
        {
            var (network, key) = For(context, KeyKind.Record);
            var timeout = ApiArguments.Timeout(context.Request);
            var value = await RequestBodies.ReadFileAsync(context.Request, "value", MaxPutBody);
            await ApiResponses.WriteEventsAsync(context, network.PutAsync("arg", key, value.Data, context.RequestAborted), timeout);
        }

        (IRoutingNetwork Network, string Arg) For(HttpContext context, params KeyKind[] kinds)
        {
            string arg = ApiArguments.Arg(context.Request, 1);
            return (networks.For("arg", arg, ApiArguments.Option(context.Request, "network"), kinds), arg);
        }
    }

    private const int MaxSwarmPeers = 1000;
}
