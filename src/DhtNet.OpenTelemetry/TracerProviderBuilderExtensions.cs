using OpenTelemetry.Trace;

namespace DhtNet.OpenTelemetry;

/// <summary>Adds DhtNet's lookup traces to an OpenTelemetry tracer provider.</summary>
public static class TracerProviderBuilderExtensions
{
    /// <summary>
    /// The name of the library's ActivitySource (DhtNet.Diagnostics.DhtActivity.SourceName), matched
    /// by name like the meters, so this package needs no reference to the library.
    /// </summary>
    public const string SourceName = "DhtNet";

    /// <summary>
    /// Traces every lookup of every DhtNet node in the process: a <c>dht.lookup</c> span (operation,
    /// target) with a <c>dht.request</c> child per node asked (address, id, outcome, nodes named).
    /// </summary>
    public static TracerProviderBuilder AddDhtNetInstrumentation(this TracerProviderBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddSource(SourceName);
    }
}
