using System.Net;
using DhtNet.Interop.Tests.Harness;

namespace DhtNet.Interop.Tests;

/// <summary>
/// The scenario steps the DhtNet-with-another-implementation test classes run alike, whichever
/// driver plays the other side; each class keeps its own setup and its peer's own checks.
/// </summary>
public abstract class MixedNetworkTests
{
    /// <summary>How long to wait for something one node does in reaction to another on loopback.</summary>
    protected static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    /// <summary>
    /// <paramref name="provider"/> announces one info-hash with an explicit port and one with
    /// implied_port; <paramref name="announcedTo"/> must report storing the first, and
    /// <paramref name="seeker"/>'s lookups must find both. Both announces must reach
    /// <paramref name="expectedStored"/> nodes.
    /// </summary>
    protected static async Task ProvideThenLookupAsync(DhtNetPeer provider, int port, int expectedStored, DriverPeer announcedTo, DriverPeer seeker)
    {
        var infoHash = NodeId.Random();
        var implied = NodeId.Random();

        var provided = await provider.Node.ProvideAsync(infoHash, port);
        var providedImplied = await provider.Node.ProvideAsync(implied);
        var stored = await announcedTo.WaitForAnnounceAsync(infoHash, Wait);
        var peers = await seeker.LookupAsync(infoHash);
        var impliedPeers = await seeker.LookupAsync(implied);

        Assert.Equal(expectedStored, provided.Stored);
        Assert.Equal(expectedStored, providedImplied.Stored);
        Assert.Equal($"127.0.0.1:{port}", stored["peer"]?.ToString());
        Assert.Contains(new IPEndPoint(IPAddress.Loopback, port), peers);
        Assert.Contains(provider.EndPoint, impliedPeers);
    }

    /// <summary>
    /// <paramref name="node"/> (bootstrapped into a network of driver nodes) queries
    /// <paramref name="far"/>'s id, forgets it and finds it again; the query must reach exactly
    /// <paramref name="network"/>, closest first.
    /// </summary>
    protected static async Task QueryThenFindPeerAsync(DhtNetPeer node, DriverPeer far, IEnumerable<NodeId> network)
    {
        // The driver nodes fill their tables as their own bootstrap replies arrive, and a loaded machine
        // can hold a reply past a request's timeout: look again (a bounded number of times) until the
        // query has met every node of the chain, then check what it returned.
        var expected = network.Order().ToArray();
        var query = await Retry.UntilAsync(
            () => node.Node.QueryAsync(far.NodeId),
            q => q.Nodes.Select(n => n.Id).Order().SequenceEqual(expected),
            attempts: 3,
            q => $"the query met {string.Join(", ", q.Nodes.Select(n => n.Id))}, expected {string.Join(", ", expected)}");
        Assert.True(node.Node.RemoveNode(far.NodeId), "the query should have met the far node");
        var found = await node.Node.FindPeerAsync(far.NodeId);

        Assert.Equal(far.NodeId, query.Nodes[0].Id);
        Assert.Equal(far.EndPoint, query.Nodes[0].EndPoint);
        Assert.Equal(far.EndPoint, found);
        node.AssertNoProblems();
    }

    /// <summary>Fails unless <paramref name="node"/>'s table holds every one of <paramref name="ids"/>.</summary>
    protected static void AssertHoldsAll(DhtNetPeer node, IEnumerable<NodeId> ids) =>
        Assert.All(ids, id => Assert.True(node.Holds(id), node.Describe()));
}
