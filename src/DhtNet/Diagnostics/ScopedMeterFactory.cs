using System.Diagnostics.Metrics;

namespace DhtNet.Diagnostics;

/// <summary>
/// A meter factory for one node (<see cref="Mainline.DhtOptions.MeterFactory"/>) when several share a
/// process: its meters carry the factory as their <see cref="Meter.Scope"/>, so a
/// <see cref="MeterListener"/> can pick out that node's instruments (<c>instrument.Meter.Scope ==
/// factory</c>), while exporters such as OpenTelemetry still collect them by name. Like the host's
/// factory, it hands out one meter per name, version and tags, and disposes them with itself.
/// </summary>
public sealed class ScopedMeterFactory : IMeterFactory
{
    private readonly List<Meter> _meters = [];
    private bool _disposed;

    /// <inheritdoc/>
    public Meter Create(MeterOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        lock (_meters)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            foreach (var existing in _meters)
            {
                if (existing.Name == options.Name && existing.Version == options.Version && SameTags(existing.Tags, options.Tags))
                {
                    return existing;
                }
            }

            var meter = new Meter(options.Name, options.Version, options.Tags, scope: this);
            _meters.Add(meter);
            return meter;
        }
    }

    /// <summary>Disposes every meter made here (their instruments stop reporting).</summary>
    public void Dispose()
    {
        lock (_meters)
        {
            _disposed = true;
            foreach (var meter in _meters)
            {
                meter.Dispose();
            }

            _meters.Clear();
        }
    }

    private static bool SameTags(IEnumerable<KeyValuePair<string, object?>>? a, IEnumerable<KeyValuePair<string, object?>>? b) =>
        (a ?? []).OrderBy(t => t.Key, StringComparer.Ordinal).SequenceEqual((b ?? []).OrderBy(t => t.Key, StringComparer.Ordinal));
}
