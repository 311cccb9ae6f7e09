using System.Diagnostics.Metrics;
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

    /// <summary>The API's own meter: what it has in flight.</summary>
    public const string MeterName = "DhtNet.Api";

    /// <summary>Touched by <see cref="Add"/>, so it exists before the exporter starts listening.</summary>
    public static Meter Meter { get; } = CreateMeter();

    public static void Add(IServiceCollection services)
    {
        GC.KeepAlive(Meter);
        services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter("DhtNet.*", MeterName)
            .AddMeter("Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel")
            .AddPrometheusExporter());
    }

    public static void Map(WebApplication app) => app.MapPrometheusScrapingEndpoint(Path);

    private static Meter CreateMeter()
    {
        var meter = new Meter(MeterName);
        meter.CreateObservableGauge("dhtnet.api.queries.pending", () => HopStream.Pending, description: "DHT operations the API is running for its clients now (RPC and delegated routing)");
        return meter;
    }
}
