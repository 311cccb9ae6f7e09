using DhtNet.Mainline;

namespace DhtNet.Hosting;

/// <summary>
/// Code that runs as the hosted node starts and stops: register implementations as services
/// (<c>services.AddSingleton&lt;IDhtNodeLifecycleHook, MyHook&gt;()</c>), and they run in
/// registration order. This is where a saved routing table is restored
/// (<see cref="DhtNode.ImportNodes"/> before start) and saved (<see cref="DhtNode.ExportNodes"/>
/// before stop); the library's state store plugs in here.
/// </summary>
public interface IDhtNodeLifecycleHook
{
    /// <summary>Runs before <see cref="DhtNode.StartAsync"/>: the node is built but not bound or bootstrapped.</summary>
    ValueTask OnStartingAsync(DhtNode node, CancellationToken cancellationToken);

    /// <summary>Runs when the host stops, while the node still runs; it is disposed afterwards.</summary>
    ValueTask OnStoppingAsync(DhtNode node, CancellationToken cancellationToken);
}
