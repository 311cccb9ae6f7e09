using System.Diagnostics.Metrics;

namespace DhtNet.Cli.Api;

/// <summary>
/// The meter factory of one node (<see cref="DhtOptions.MeterFactory"/>): its meters carry this
/// factory as their scope, so the API's listener reads this node's instruments and no other
/// node's in the same process, while OpenTelemetry still exports them by name.
/// </summary>
internal sealed class NodeMeters : IMeterFactory
{
    private readonly List<Meter> _meters = [];

    public Meter Create(MeterOptions options)
    {
        lock (_meters)
        {
            var meter = new Meter(options.Name, options.Version, options.Tags, scope: this);
            _meters.Add(meter);
            return meter;
        }
    }

    public void Dispose()
    {
        lock (_meters)
        {
            foreach (var meter in _meters)
            {
                meter.Dispose();
            }

            _meters.Clear();
        }
    }
}
