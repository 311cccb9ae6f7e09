using DhtNet.Mainline;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace DhtNet.Hosting;

/// <summary>
/// Starts the <see cref="DhtNode"/> with the host (binds its sockets and bootstraps; the host's start
/// waits for bootstrap) and stops it with the host, running each <see cref="IDhtNodeLifecycleHook"/>
/// around both.
/// </summary>
internal sealed partial class DhtNodeHostedService(
    DhtNode node,
    IEnumerable<IDhtNodeLifecycleHook> hooks,
    ILogger<DhtNodeHostedService> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var hook in hooks)
        {
            await hook.OnStartingAsync(node, cancellationToken).ConfigureAwait(false);
        }

        await node.StartAsync(cancellationToken).ConfigureAwait(false);
        LogStarted(logger, node.Id, string.Join(", ", node.LocalEndPoints), node.RoutingTableSize);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        try
        {
            foreach (var hook in hooks)
            {
                await hook.OnStoppingAsync(node, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            // The sockets close even when a hook failed or the host's stop timeout passed.
            await node.DisposeAsync().ConfigureAwait(false);
        }
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "DHT node {NodeId} started on {EndPoints} with {Nodes} nodes in its routing table")]
    private static partial void LogStarted(ILogger logger, NodeId nodeId, string endPoints, int nodes);
}
