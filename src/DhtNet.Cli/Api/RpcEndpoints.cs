using System.Reflection;
using System.Runtime.InteropServices;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace DhtNet.Cli.Api;

/// <summary>
/// The IPFS HTTP RPC commands a DHT can answer, under both path families the JavaScript clients
/// use: /api/v0/dht/* (ipfs-http-client 60) and /api/v0/routing/* (kubo-rpc-client 7). All are POST,
/// as kubo requires.
/// </summary>
internal static class RpcEndpoints
{
    /// <summary>Largest record body accepted by put (a BEP 44 value is at most 1000 bytes; multipart framing adds a little).</summary>
    public const int MaxPutBody = 8 * 1024;

    public static string Version { get; } =
        typeof(RpcEndpoints).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    public static void Map(IEndpointRouteBuilder app, IRoutingNetwork network)
    {
        foreach (string family in new[] { "dht", "routing" })
        {
            app.MapPost($"/api/v0/{family}/findprovs", (HttpContext c) => Run(c, network.FindProvidersAsync(
                network.ResolveKey("arg", ApiArguments.Arg(c.Request, 1)), ApiArguments.Providers(c.Request), c.RequestAborted)));
            app.MapPost($"/api/v0/{family}/findpeer", (HttpContext c) => Run(c, network.FindPeerAsync(
                network.ResolvePeer("arg", ApiArguments.Arg(c.Request, 1)), c.RequestAborted)));
            app.MapPost($"/api/v0/{family}/get", (HttpContext c) => Run(c, network.GetAsync("arg", ApiArguments.Arg(c.Request, 1), c.RequestAborted)));
            app.MapPost($"/api/v0/{family}/put", PutAsync);
            app.MapPost($"/api/v0/{family}/provide", (HttpContext c) => Run(c, network.ProvideAsync(
                network.ResolveKey("arg", ApiArguments.Arg(c.Request, 1)), c.RequestAborted)));
        }

        // Both clients query through /dht (kubo has no routing/query).
        app.MapPost("/api/v0/dht/query", (HttpContext c) => ApiResponses.WriteEventsAsync(
            c,
            network.QueryAsync(network.ResolvePeer("arg", ApiArguments.Arg(c.Request, 1)), c.RequestAborted),
            ApiArguments.Timeout(c.Request),
            holdHops: false));

        app.MapPost("/api/v0/id", (HttpContext c) => ApiResponses.WriteJsonAsync(c, w =>
        {
            var self = network.Self;
            w.WriteStartObject();
            w.WriteString("ID"u8, self.Id);
            w.WriteString("PublicKey"u8, "");
            w.WriteStartArray("Addresses"u8);
            foreach (string address in self.Addrs)
            {
                w.WriteStringValue(address);
            }

            w.WriteEndArray();
            w.WriteString("AgentVersion"u8, $"dhtnet/{Version}");
            w.WriteString("ProtocolVersion"u8, network.Name);
            w.WriteStartArray("Protocols"u8);
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
            foreach (var peer in network.Peers(MaxSwarmPeers))
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
            string key = ApiArguments.Arg(context.Request, 1);
            var timeout = ApiArguments.Timeout(context.Request);
            byte[] value = await ReadValueAsync(context.Request);
            await ApiResponses.WriteEventsAsync(context, network.PutAsync("arg", key, value, context.RequestAborted), timeout);
        }
    }

    private const int MaxSwarmPeers = 1000;

    /// <summary>
    /// The record value: the first file of a multipart/form-data body (how both clients send it),
    /// or the raw body otherwise.
    /// </summary>
    private static async Task<byte[]> ReadValueAsync(HttpRequest request)
    {
        // The clients send one multipart part, with or without a file name; its bytes are the value.
        if (request.ContentType is { } contentType && contentType.StartsWith("multipart/", StringComparison.OrdinalIgnoreCase))
        {
            string? boundary = MediaTypeHeaderValue.TryParse(contentType, out var media)
                ? HeaderUtilities.RemoveQuotes(media.Boundary).Value
                : null;
            if (string.IsNullOrEmpty(boundary) || boundary.Length > 200)
            {
                throw new ApiArgumentException("value", "multipart body without a usable boundary");
            }

            MultipartSection? section;
            try
            {
                section = await new MultipartReader(boundary, request.Body) { HeadersCountLimit = 8, HeadersLengthLimit = 4096 }
                    .ReadNextSectionAsync(request.HttpContext.RequestAborted);
            }
            catch (Exception e) when (e is InvalidDataException or (IOException and not BadHttpRequestException) && !request.HttpContext.RequestAborted.IsCancellationRequested)
            {
                throw new ApiArgumentException("value", $"malformed multipart body ({e.Message})");
            }

            if (section is null)
            {
                throw new ApiArgumentException("value", "the multipart body has no part");
            }

            return await ReadBoundedAsync(section.Body, request.HttpContext.RequestAborted);
        }

        return await ReadBoundedAsync(request.Body, request.HttpContext.RequestAborted);
    }

    private static async Task<byte[]> ReadBoundedAsync(Stream stream, CancellationToken cancellationToken)
    {
        using var body = new MemoryStream();
        var buffer = new byte[4096];
        int read;
        try
        {
            while ((read = await stream.ReadAsync(buffer, cancellationToken)) > 0)
            {
                if (body.Length + read > MaxPutBody)
                {
                    throw new ApiArgumentException("value", $"at most {MaxPutBody} bytes");
                }

                body.Write(buffer, 0, read);
            }
        }
        catch (Exception e) when (e is InvalidDataException or (IOException and not BadHttpRequestException) && !cancellationToken.IsCancellationRequested)
        {
            throw new ApiArgumentException("value", $"malformed body ({e.Message})");
        }

        if (body.Length == 0)
        {
            throw new ApiArgumentException("value", "empty: send the value as a multipart file");
        }

        return body.ToArray();
    }
}
