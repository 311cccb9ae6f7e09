using System.Net;

namespace DhtNet.Interop.Tests.Harness;

/// <summary>
/// A few DhtNet nodes on 127.0.0.1 that know each other: the first bootstraps off
/// <c>bootstrap</c> (if any), each later one off the first and <c>bootstrap</c>, so by the end every
/// node has met the others through the bootstrap lookups.
/// </summary>
public sealed class DhtNetSwarm : IAsyncDisposable
{
    private readonly List<DhtNetPeer> _nodes = [];

    private DhtNetSwarm()
    {
    }

    /// <summary>The nodes, in start order.</summary>
    public IReadOnlyList<DhtNetPeer> Nodes => _nodes;

    /// <summary>The node at <paramref name="index"/>.</summary>
    public DhtNetPeer this[int index] => _nodes[index];

    /// <summary>Their endpoints.</summary>
    public IReadOnlyList<IPEndPoint> EndPoints => _nodes.Select(n => n.EndPoint).ToArray();

    /// <summary>Starts <paramref name="count"/> nodes one after the other, on <paramref name="address"/> (127.0.0.1).</summary>
    public static async Task<DhtNetSwarm> StartAsync(int count, IEnumerable<IPEndPoint>? bootstrap = null, DhtOptions? template = null, IPAddress? address = null)
    {
        var extra = (bootstrap ?? []).ToArray();
        var swarm = new DhtNetSwarm();
        try
        {
            for (int i = 0; i < count; i++)
            {
                IEnumerable<IPEndPoint> entry = i == 0 ? extra : [swarm._nodes[0].EndPoint, .. extra];
                swarm._nodes.Add(await DhtNetPeer.StartAsync(entry, address, template).ConfigureAwait(false));
            }

            return swarm;
        }
        catch
        {
            await swarm.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Whether some node's table holds <paramref name="id"/>.</summary>
    public bool AnyHolds(NodeId id) => _nodes.Any(n => n.Holds(id));

    /// <summary>Fails the test when any node had a problem (see <see cref="DhtNetPeer.Problems"/>).</summary>
    public void AssertNoProblems()
    {
        foreach (var node in _nodes)
        {
            node.AssertNoProblems();
        }
    }

    /// <summary>Every node's state, for failure messages.</summary>
    public string Describe() => string.Join(Environment.NewLine, _nodes.Select(n => n.Describe()));

    /// <summary>Stops every node.</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            await node.DisposeAsync().ConfigureAwait(false);
        }
    }
}
