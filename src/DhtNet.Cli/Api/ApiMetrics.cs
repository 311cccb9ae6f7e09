using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;

namespace DhtNet.Cli.Api;

/// <summary>
/// /metrics in Prometheus text format through OpenTelemetry: every "DhtNet.*" meter (the library's
/// and the CLI's), and ASP.NET Core's own request and connection meters for the API itself.
/// </summary>
internal static class ApiMetrics
{
    public const string Path = "/metrics";

    public static void Add(IServiceCollection services) =>
        services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter("DhtNet.*")
            .AddMeter("Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel")
            .AddPrometheusExporter());

    public static void Map(WebApplication app) => app.MapPrometheusScrapingEndpoint(Path);
}
