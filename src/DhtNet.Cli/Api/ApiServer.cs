using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;

using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace DhtNet.Cli.Api;

/// <summary>
/// The HTTP API of `dht node` on Kestrel: the IPFS RPC DHT commands, delegated routing V1,
/// Prometheus metrics and the dashboard, for one <see cref="IRoutingNetwork"/> per DHT the node runs.
/// Every request is bounded (line, headers, body, arguments, connections) and every failure a
/// client can cause ends as an HTTP status, never as a fault of the node.
/// </summary>
internal sealed class ApiServer : IAsyncDisposable
{
    /// <summary>Concurrent connections; lookups are cheap but not free, and a dashboard holds one open.</summary>
    public const int MaxConnections = 256;

    /// <summary>The largest request body of any endpoint (an IPNS record is at most 10 KiB).</summary>
    public const int MaxBody = 16 * 1024;

    private readonly WebApplication _app;

    private ApiServer(WebApplication app, string url)
    {
        _app = app;
        Url = url;
    }

    /// <summary>http://host:port of the listening socket (the real port when 0 was asked for).</summary>
    public string Url { get; }

    public IServiceProvider Services => _app.Services;

    public static async Task<ApiServer> StartAsync(ApiSettings settings, ApiNode node, ILoggerFactory loggers, CancellationToken cancellationToken = default)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ApplicationName = "dht" });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(settings.EndPoint);
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxConcurrentConnections = MaxConnections;
            kestrel.Limits.MaxRequestBodySize = MaxBody;
            kestrel.Limits.MaxRequestLineSize = 4 * 1024;
            kestrel.Limits.MaxRequestHeadersTotalSize = 16 * 1024;
            kestrel.Limits.MaxRequestHeaderCount = 64;
            kestrel.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(10);
        });
        builder.Services.AddSingleton(node);
        ApiMetrics.Add(builder.Services);

        var app = builder.Build();
        var logger = loggers.CreateLogger("dht.api");
        app.Use((context, next) => HandleFailuresAsync(context, next, logger));
        if (settings.Token is { } token)
        {
            app.Use((context, next) => CheckTokenAsync(context, next, token, logger));
        }

        DelegatedRoutingEndpoints.Map(app, node.Networks);
        RpcEndpoints.Map(app, node.Networks);
        ApiMetrics.Map(app);
        DashboardEndpoints.Map(app, node);
        app.MapFallback((HttpContext c) => c.Request.Path.StartsWithSegments("/api/v0")
            ? ApiResponses.WriteErrorAsync(c, StatusCodes.Status404NotFound, $"{c.Request.Path}: no such command", ApiResponses.ClientError)
            : Results.NotFound().ExecuteAsync(c));

        await app.StartAsync(cancellationToken);
        string url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        url = url.Replace("://[::]", "://[::1]", StringComparison.Ordinal);
        ApiLog.Listening(logger, url);
        return new ApiServer(app, url);
    }

    public async ValueTask DisposeAsync()
    {
        using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        try
        {
            await _app.StopAsync(grace.Token);
        }
        catch (OperationCanceledException)
        {
        }

        await _app.DisposeAsync();
    }

    private static async Task HandleFailuresAsync(HttpContext context, RequestDelegate next, ILogger logger)
    {
        try
        {
            await next(context);
        }
        catch (Exception e) when (context.Response.HasStarted)
        {
            // Nothing more can be said on a response under way: end it so the client sees a cut stream.
            if (e is not OperationCanceledException)
            {
                ApiLog.RequestFailed(logger, context.Request.Path, e);
            }

            context.Abort();
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client left.
        }
        catch (ApiArgumentException e)
        {
            ApiLog.Refused(logger, context.Request.Path, e.Message);
            await ApiResponses.WriteErrorAsync(context, StatusCodes.Status400BadRequest, e.Message, ApiResponses.ClientError);
        }
        catch (OperationCanceledException) when (!context.RequestAborted.IsCancellationRequested)
        {
            // A deadline of the request's own (timeout=) ran out: kubo's words, so clients raise their timeout error.
            await ApiResponses.WriteErrorAsync(context, StatusCodes.Status500InternalServerError, ApiOperationException.DeadlineExceeded, ApiResponses.NormalError);
        }
        catch (ApiOperationException e)
        {
            await ApiResponses.WriteErrorAsync(context, StatusCodes.Status500InternalServerError, e.Message, ApiResponses.NormalError);
        }
        catch (BadHttpRequestException e)
        {
            ApiLog.Refused(logger, context.Request.Path, e.Message);
            await ApiResponses.WriteErrorAsync(context, e.StatusCode, e.Message, ApiResponses.ClientError);
        }
        catch (Exception e)
        {
            ApiLog.RequestFailed(logger, context.Request.Path, e);
            await ApiResponses.WriteErrorAsync(context, StatusCodes.Status500InternalServerError, $"internal error: {e.Message}", ApiResponses.NormalError);
        }
    }

    /// <summary>
    /// Bearer token on every request ("Authorization: Bearer …"). A browser's EventSource cannot
    /// send headers, so the dashboard may pass it as ?token= instead.
    /// </summary>
    private static Task CheckTokenAsync(HttpContext context, RequestDelegate next, string token, ILogger logger)
    {
        // The page and its scripts hold no data (that comes from /api/dashboard/*, which is checked).
        if (HttpMethods.IsGet(context.Request.Method) && (context.Request.Path == "/" || context.Request.Path.StartsWithSegments("/dashboard")))
        {
            return next(context);
        }

        string? given = null;
        string header = context.Request.Headers.Authorization.ToString();
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            given = header["Bearer ".Length..].Trim();
        }
        else if (context.Request.Query["token"] is { Count: 1 } query)
        {
            given = query[0];
        }

        if (given is not null && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given), Encoding.UTF8.GetBytes(token)))
        {
            return next(context);
        }

        ApiLog.Refused(logger, context.Request.Path, "no valid bearer token");
        context.Response.Headers.WWWAuthenticate = "Bearer";
        return ApiResponses.WriteErrorAsync(context, StatusCodes.Status401Unauthorized, "missing or wrong bearer token (Authorization: Bearer <token>)", ApiResponses.ClientError);
    }

}
