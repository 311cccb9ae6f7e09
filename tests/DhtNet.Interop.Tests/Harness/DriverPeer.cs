using System.Net;
using System.Text.Json.Nodes;

namespace DhtNet.Interop.Tests.Harness;

/// <summary>
/// What every DHT node run by a JSON-lines driver (see peers/PROTOCOL.md) shares: its driver
/// process, address and id, the commands both drivers implement alike, and its complaints.
/// </summary>
public abstract class DriverPeer : IAsyncDisposable
{
    /// <summary>Wraps a driver that has started its node.</summary>
    protected DriverPeer(PeerProcess process, IPEndPoint endPoint, NodeId nodeId)
    {
        Process = process;
        EndPoint = endPoint;
        NodeId = nodeId;
    }

    /// <summary>The driver, for raw commands and events.</summary>
    public PeerProcess Process { get; }

    /// <summary>The node's UDP endpoint.</summary>
    public IPEndPoint EndPoint { get; }

    /// <summary>The node's id.</summary>
    public NodeId NodeId { get; }

    /// <summary>A get_peers lookup until it completes; the peers found (bittorrent-dht's include ones it stores itself).</summary>
    public async Task<IReadOnlyList<IPEndPoint>> LookupAsync(NodeId infoHash, CancellationToken cancellationToken = default)
    {
        var reply = await Process.SendAsync("lookup", new JsonObject { ["infoHash"] = infoHash.ToString() }, cancellationToken: cancellationToken).ConfigureAwait(false);
        return Json.EndPoints(reply, "peers");
    }

    /// <summary>Stores an immutable item whose value is the byte string <paramref name="value"/>.</summary>
    public async Task<PeerPutResult> PutImmutableAsync(ReadOnlyMemory<byte> value, CancellationToken cancellationToken = default) =>
        Json.Put(await Process.SendAsync("put", new JsonObject { ["v"] = Json.Base64(value.Span) }, cancellationToken: cancellationToken).ConfigureAwait(false));

    /// <summary>Stores an immutable item whose value is any bencoded value.</summary>
    public async Task<PeerPutResult> PutImmutableAsync(BencodeValue value, CancellationToken cancellationToken = default) =>
        Json.Put(await Process.SendAsync("put", new JsonObject { ["vBencoded"] = Json.Base64(value.Encode()) }, cancellationToken: cancellationToken).ConfigureAwait(false));

    /// <summary>The nodes in the routing table.</summary>
    public async Task<IReadOnlyList<NodeInfo>> NodesAsync(CancellationToken cancellationToken = default) =>
        Json.Nodes(await Process.SendAsync("nodes", cancellationToken: cancellationToken).ConfigureAwait(false), "nodes");

    /// <summary>Waits for the "announce" event the driver reports when it stored a peer for <paramref name="infoHash"/>.</summary>
    public Task<JsonObject> WaitForAnnounceAsync(NodeId infoHash, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        Process.WaitForEventAsync("announce", e => e["infoHash"]?.ToString() == infoHash.ToString(), timeout, cancellationToken);

    /// <summary>What the node disliked in what it received, as the driver's events.</summary>
    public abstract IReadOnlyList<string> Complaints();

    /// <summary>Fails the test when it has complained (see <see cref="Complaints"/>).</summary>
    public void AssertNoComplaints()
    {
        var complaints = Complaints();
        Assert.True(complaints.Count == 0, $"{this} complained: {string.Join("; ", complaints)}");
    }

    /// <summary>Ends the driver's process.</summary>
    public ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        return Process.DisposeAsync();
    }

    /// <summary>
    /// Sends the driver's "start" command and builds the peer from its reply; ends the driver when
    /// that fails, since no one else holds it yet.
    /// </summary>
    protected static async Task<T> FinishStartAsync<T>(PeerProcess process, Func<PeerProcess, Task<T>> start)
    {
        try
        {
            return await start(process).ConfigureAwait(false);
        }
        catch
        {
            await process.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The "host" and "port" arguments that name <paramref name="endPoint"/> to a driver.</summary>
    protected static JsonObject EndPointArguments(IPEndPoint endPoint) =>
        new() { ["host"] = endPoint.Address.ToString(), ["port"] = endPoint.Port };

    /// <summary>Adds BEP 44's salt to a put or get command's arguments when there is one.</summary>
    protected static JsonObject WithSalt(JsonObject arguments, ReadOnlyMemory<byte> salt)
    {
        if (!salt.IsEmpty)
        {
            arguments["salt"] = Json.Base64(salt.Span);
        }

        return arguments;
    }
}
