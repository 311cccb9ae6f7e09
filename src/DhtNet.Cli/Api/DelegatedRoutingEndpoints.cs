using System.Buffers;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace DhtNet.Cli.Api;

/// <summary>
/// Delegated Routing V1 (specs.ipfs.tech/routing/http-routing-v1): providers, peers, IPNS and
/// closest peers as JSON, or NDJSON when the client accepts application/x-ndjson; CORS open to
/// every origin; Cache-Control shorter for empty answers; 422 for keys the network cannot read;
/// 400 for unknown paths; 501 for what the network cannot do (IPNS on Mainline).
/// </summary>
internal static class DelegatedRoutingEndpoints
{
    /// <summary>JSON answers stop at 100 records, as the spec advises; NDJSON streams up to this many.</summary>
    public const int MaxJsonRecords = 100;

    public const int MaxStreamedRecords = 1000;

    /// <summary>The spec's bucket-size limit for closest peers (20 on Amino).</summary>
    public const int MaxClosestPeers = 20;

    /// <summary>How long a lookup behind one request may run.</summary>
    public static readonly TimeSpan LookupTimeout = TimeSpan.FromSeconds(30);

    private const string Ndjson = "application/x-ndjson";
    private const string IpnsRecordType = "application/vnd.ipfs.ipns-record";

    // The spec's cache windows: 5 min for answers with results, 15 s without, 48 h stale window.
    private const string CacheFound = "public, max-age=300, public, stale-while-revalidate=172800, stale-if-error=172800";
    private const string CacheEmpty = "public, max-age=15, public, stale-while-revalidate=172800, stale-if-error=172800";

    public static void Map(IEndpointRouteBuilder app, RoutingNetworks networks)
    {
        var group = app.MapGroup("/routing/v1");
        group.AddEndpointFilter(async (context, next) =>
        {
            AddCors(context.HttpContext.Response);
            return await next(context);
        });

        group.MapGet("/providers/{cid}", (HttpContext c, string cid) =>
        {
            if (!TryResolve(() => Resolve(networks, "cid", cid, KeyKind.Content), out var key, out var refusal, out var network))
            {
                return Text(c, StatusCodes.Status422UnprocessableEntity, refusal);
            }

            return WriteRecordsAsync(c, "Providers", ct => Records(network.FindProvidersAsync(key, MaxStreamedRecords, ct), QueryEventType.Provider, ct));
        });

        group.MapGet("/peers/{peerId}", (HttpContext c, string peerId) =>
        {
            if (!TryResolve(() => Resolve(networks, "peer-id", peerId, KeyKind.Peer), out var key, out var refusal, out var network))
            {
                return Text(c, StatusCodes.Status422UnprocessableEntity, refusal);
            }

            return WriteRecordsAsync(c, "Peers", ct => FoundPeerAsync(network, key, ct));
        });

        group.MapGet("/dht/closest/peers/{key}", (HttpContext c, string key) =>
        {
            if (!TryResolve(() => Resolve(networks, "key", key, KeyKind.Peer), out var resolved, out _, out var network)
                && !TryResolve(() => Resolve(networks, "key", key, KeyKind.Content), out resolved, out string refusal, out network))
            {
                return Text(c, StatusCodes.Status422UnprocessableEntity, refusal);
            }

            return WriteRecordsAsync(c, "Peers", ct => ClosestAsync(network, resolved, ct));
        });

        group.MapGet("/ipns/{name}", (HttpContext c, string name) => networks.Ipns is IpfsNetwork ipfs ? GetIpnsAsync(c, ipfs, name) : NoIpns(c, networks));
        group.MapPut("/ipns/{name}", (HttpContext c, string name) => networks.Ipns is IpfsNetwork ipfs ? PutIpnsAsync(c, ipfs, name) : NoIpns(c, networks));

        group.MapMethods("/{**rest}", ["OPTIONS"], (HttpContext c) =>
        {
            c.Response.Headers.AccessControlMaxAge = "86400";
            return Task.CompletedTask;
        });
        group.MapMethods("/{**rest}", ["POST", "DELETE", "PATCH"], (HttpContext c) =>
            Text(c, StatusCodes.Status501NotImplemented, $"{c.Request.Method} is not supported here"));
        group.MapGet("/{**rest}", (HttpContext c) => Text(c, StatusCodes.Status400BadRequest, $"unknown path {c.Request.Path}"));
    }

    private static Task NoIpns(HttpContext context, RoutingNetworks networks) =>
        Text(context, StatusCodes.Status501NotImplemented, $"IPNS names do not resolve on the {networks.All[0].Name} DHT (it stores BEP 44 items, not IPNS records; run the node with the IPFS network)");

    /// <summary>The record of an IPNS name, with the spec's caching headers from its TTL and validity.</summary>
    private static async Task GetIpnsAsync(HttpContext context, IpfsNetwork ipfs, string name)
    {
        if (await RefusedAsync(context, name, AcceptsIpnsRecord(context.Request), $"retry with Accept: {IpnsRecordType}") is not { } peer)
        {
            return;
        }

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        deadline.CancelAfter(LookupTimeout);
        byte[]? record;
        try
        {
            record = await ipfs.GetIpnsAsync(peer, deadline.Token);
        }
        catch (OperationCanceledException) when (!context.RequestAborted.IsCancellationRequested)
        {
            record = null;
        }

        var response = context.Response;
        response.Headers.Vary = "Accept";
        response.Headers.LastModified = DateTimeOffset.UtcNow.ToString("R");
        if (record is null)
        {
            // The spec asks for no 404, but clients read any other content type as "no record" and older ones read 404 so.
            response.Headers.CacheControl = CacheEmpty;
            await Text(context, StatusCodes.Status404NotFound, $"no IPNS record found for {name}");
            return;
        }

        var parsed = IpnsRecord.Parse(record);
        long ttl = (long)(parsed.TtlNanoseconds / 1_000_000_000);
        long remaining = Math.Max(0, (long)(parsed.Validity - DateTimeOffset.UtcNow).TotalSeconds);
        response.ContentType = IpnsRecordType;
        response.Headers.ETag = $"\"{Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(record))}\"";
        response.Headers.CacheControl = $"public, max-age={(ttl > 0 ? ttl : 60)}, public, stale-while-revalidate={remaining}, stale-if-error={remaining}";
        response.Headers.Expires = parsed.Validity.ToString("R");
        await response.Body.WriteAsync(record, context.RequestAborted);
    }

    /// <summary>Publishes a record made elsewhere: 400 unless it is a valid record of that name.</summary>
    private static async Task PutIpnsAsync(HttpContext context, IpfsNetwork ipfs, string name)
    {
        bool typed = context.Request.ContentType is { } type && type.StartsWith(IpnsRecordType, StringComparison.OrdinalIgnoreCase);
        if (await RefusedAsync(context, name, typed, $"retry with Content-Type: {IpnsRecordType}") is not { } peer)
        {
            return;
        }

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        deadline.CancelAfter(LookupTimeout);
        try
        {
            var record = await RequestBodies.ReadFileAsync(context.Request, "record", IpnsRecord.MaxSize);
            await ipfs.PutIpnsAsync(peer, record.Data, deadline.Token);
        }
        catch (ApiArgumentException e)
        {
            await Text(context, StatusCodes.Status400BadRequest, e.Message);
            return;
        }
        catch (OperationCanceledException) when (!context.RequestAborted.IsCancellationRequested)
        {
            // Stored here and sent to whoever answered in time: published, if not everywhere.
        }

        context.Response.StatusCode = StatusCodes.Status200OK;
    }

    private static bool AcceptsIpnsRecord(HttpRequest request) =>
        request.Headers.Accept.Count == 0
        || request.Headers.Accept.Any(a => a is not null && (a.Contains(IpnsRecordType, StringComparison.OrdinalIgnoreCase) || a.Contains("*/*", StringComparison.Ordinal)));

    /// <summary>The peer an IPNS request names, or null once it has been answered 406 (wrong content type) or 400 (not a name).</summary>
    private static async Task<PeerId?> RefusedAsync(HttpContext context, string name, bool acceptable, string retry)
    {
        if (!acceptable)
        {
            await Text(context, StatusCodes.Status406NotAcceptable, retry);
            return null;
        }

        if (!PeerId.TryParse(name, out var peer))
        {
            await Text(context, StatusCodes.Status400BadRequest, "name: expected an IPNS name, a CIDv1 with the libp2p-key codec (k51…, bafz…) or a peer id");
            return null;
        }

        return peer;
    }

    private static (IRoutingNetwork, RoutingKey) Resolve(RoutingNetworks networks, string argument, string text, KeyKind kind)
    {
        var network = networks.For(argument, text, null, kind);
        return (network, kind == KeyKind.Peer ? network.ResolvePeer(argument, text) : network.ResolveKey(argument, text));
    }

    private static void AddCors(HttpResponse response)
    {
        response.Headers.AccessControlAllowOrigin = "*";
        response.Headers.AccessControlAllowMethods = "GET, PUT, OPTIONS";
        response.Headers.AccessControlAllowHeaders = "Accept, Content-Type, Authorization";
        response.Headers.Vary = "Accept";
    }

    private static bool TryResolve(Func<(IRoutingNetwork, RoutingKey)> resolve, out RoutingKey key, out string refusal, out IRoutingNetwork network)
    {
        try
        {
            (network, key) = resolve();
            refusal = "";
            return true;
        }
        catch (ApiArgumentException e)
        {
            key = default;
            network = null!;
            refusal = e.Message;
            return false;
        }
    }

    private static async IAsyncEnumerable<ApiPeer> Records(IAsyncEnumerable<QueryEvent> events, QueryEventType type, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var e in events.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            if (e.Type == type && e.Responses is { } peers)
            {
                foreach (var peer in peers)
                {
                    yield return peer;
                }
            }
        }
    }

    private static async IAsyncEnumerable<ApiPeer> FoundPeerAsync(IRoutingNetwork network, RoutingKey key, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var found = new List<ApiPeer>();
        try
        {
            await foreach (var peer in Records(network.FindPeerAsync(key, cancellationToken), QueryEventType.FinalPeer, cancellationToken).ConfigureAwait(false))
            {
                found.Add(peer);
            }
        }
        catch (ApiOperationException)
        {
            // Not found: 200 with no records, as the spec asks.
        }

        foreach (var peer in found)
        {
            yield return peer;
        }
    }

    private static async IAsyncEnumerable<ApiPeer> ClosestAsync(IRoutingNetwork network, RoutingKey key, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // Final peers come closest first, each with the address it answered from.
        int count = 0;
        await foreach (var e in network.QueryAsync(key, cancellationToken).ConfigureAwait(false))
        {
            if (e.Type == QueryEventType.FinalPeer && count++ < MaxClosestPeers)
            {
                yield return e.Responses is [var peer, ..] ? peer : new ApiPeer(e.Id, []);
            }
        }
    }

    private static async Task WriteRecordsAsync(HttpContext context, string property, Func<CancellationToken, IAsyncEnumerable<ApiPeer>> records)
    {
        var response = context.Response;
        bool stream = context.Request.Headers.Accept.Any(a => a is not null && a.Contains(Ndjson, StringComparison.OrdinalIgnoreCase));
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        deadline.CancelAfter(LookupTimeout);
        response.Headers.LastModified = DateTimeOffset.UtcNow.ToString("R");
        if (stream)
        {
            // Headers go first, so the cache window cannot depend on the results: the short one.
            response.ContentType = Ndjson;
            response.Headers.CacheControl = CacheEmpty;
            await using var writer = new Utf8JsonWriter(response.BodyWriter);
            int written = 0;
            await foreach (var peer in Guard(records(deadline.Token), deadline.Token).ConfigureAwait(false))
            {
                WritePeer(writer, peer);
                await writer.FlushAsync(context.RequestAborted);
                writer.Reset();
                response.BodyWriter.Write("\n"u8);
                await response.BodyWriter.FlushAsync(context.RequestAborted);
                if (++written >= MaxStreamedRecords)
                {
                    break;
                }
            }

            return;
        }

        var found = new List<ApiPeer>();
        await foreach (var peer in Guard(records(deadline.Token), deadline.Token).ConfigureAwait(false))
        {
            found.Add(peer);
            if (found.Count >= MaxJsonRecords)
            {
                break;
            }
        }

        response.ContentType = "application/json";
        response.Headers.CacheControl = found.Count > 0 ? CacheFound : CacheEmpty;
        await using var json = new Utf8JsonWriter(response.Body);
        json.WriteStartObject();
        json.WriteStartArray(property);
        foreach (var peer in found)
        {
            WritePeer(json, peer);
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    /// <summary>Ends the records quietly at the lookup deadline; a failed lookup is no records.</summary>
    private static async IAsyncEnumerable<ApiPeer> Guard(IAsyncEnumerable<ApiPeer> records, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var e = records.GetAsyncEnumerator(cancellationToken);
        while (true)
        {
            try
            {
                if (!await e.MoveNextAsync().ConfigureAwait(false))
                {
                    yield break;
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                yield break;
            }
            catch (ApiOperationException)
            {
                yield break;
            }

            yield return e.Current;
        }
    }

    private static void WritePeer(Utf8JsonWriter writer, ApiPeer peer)
    {
        writer.WriteStartObject();
        writer.WriteString("Schema"u8, "peer"u8);
        writer.WriteString("ID"u8, MainlineNames.Base58PeerId(peer.Id));
        writer.WriteStartArray("Addrs"u8);
        foreach (string address in peer.Addrs)
        {
            writer.WriteStringValue(address);
        }

        writer.WriteEndArray();
        writer.WriteStartArray("Protocols"u8);
        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    private static Task Text(HttpContext context, int status, string message)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain; charset=utf-8";
        return context.Response.WriteAsync(message + "\n", context.RequestAborted);
    }
}
