using System.Diagnostics.Metrics;

namespace DhtNet.Internal;

/// <summary>
/// An observable gauge reading a node through a weak reference: the meter belongs to the factory and may
/// outlive the node, which must not be kept alive by its own instruments (it reports nothing once collected).
/// </summary>
internal static class WeakGauge
{
    public static void Create<TNode, T>(Meter meter, WeakReference<TNode> weak, string name, string? unit, string description, Func<TNode, T> read)
        where TNode : class
        where T : struct =>
        meter.CreateObservableGauge(
            name,
            () => weak.TryGetTarget(out var n) ? [new Measurement<T>(read(n))] : Array.Empty<Measurement<T>>(),
            unit,
            description);
}
