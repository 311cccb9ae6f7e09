using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace DhtNet.Tests.Hosting;

public sealed class InstrumentationTests
{
    [Fact]
    public void AddDhtNetInstrumentation_CollectsLibraryMetersOnly()
    {
        var exported = new List<string>();
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var factory = services.GetRequiredService<IMeterFactory>();
        using var provider = Sdk.CreateMeterProviderBuilder()
            .AddDhtNetInstrumentation()
            .AddReader(new BaseExportingMetricReader(new NameExporter(exported)))
            .Build();

        // The meter the library's KRPC counters are on, made through an app's IMeterFactory as a hosted node's are.
        factory.Create(KrpcMetrics.MeterName).CreateCounter<long>("dhtnet.krpc.queries.sent").Add(3);
        factory.Create("SomeOther.Library").CreateCounter<long>("other.count").Add(1);
        provider.ForceFlush();

        Assert.Contains("dhtnet.krpc.queries.sent", exported);
        Assert.DoesNotContain("other.count", exported);
    }

    private sealed class NameExporter(List<string> names) : BaseExporter<Metric>
    {
        public override ExportResult Export(in Batch<Metric> batch)
        {
            foreach (var metric in batch)
            {
                names.Add(metric.Name);
            }

            return ExportResult.Success;
        }
    }
}
