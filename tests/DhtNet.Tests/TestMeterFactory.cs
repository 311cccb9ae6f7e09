using System.Diagnostics.Metrics;

namespace DhtNet.Tests;

/// <summary>A meter factory of its own per test, so a listener can pick out its meters by scope.</summary>
internal sealed class TestMeterFactory : IMeterFactory
{
    private readonly List<Meter> _meters = [];

    public Meter Create(MeterOptions options)
    {
        lock (_meters)
        {
            var existing = _meters.Find(m => m.Name == options.Name);
            if (existing is not null)
            {
                return existing;
            }

            var meter = new Meter(options.Name, options.Version, options.Tags, scope: this);
            _meters.Add(meter);
            return meter;
        }
    }

    public void Dispose()
    {
        foreach (var meter in _meters)
        {
            meter.Dispose();
        }
    }
}
