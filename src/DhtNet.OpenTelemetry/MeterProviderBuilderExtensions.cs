using OpenTelemetry.Metrics;

namespace DhtNet.OpenTelemetry;

/// <summary>Adds DhtNet's instruments to an OpenTelemetry meter provider.</summary>
public static class MeterProviderBuilderExtensions
{
    /// <summary>
    /// The prefix of every meter the library creates ("DhtNet.Krpc", "DhtNet.Mainline", and those of
    /// protocols still to come); <see cref="AddDhtNetInstrumentation"/> subscribes to all of them.
    /// </summary>
    public const string MeterNames = "DhtNet.*";

    /// <summary>
    /// Collects the metrics of every DhtNet node in the process whose options name a meter factory
    /// (a hosted node gets the host's IMeterFactory): KRPC queries, answers and timeouts, routing
    /// table and store sizes, lookup durations.
    /// </summary>
    public static MeterProviderBuilder AddDhtNetInstrumentation(this MeterProviderBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddMeter(MeterNames);
    }
}
