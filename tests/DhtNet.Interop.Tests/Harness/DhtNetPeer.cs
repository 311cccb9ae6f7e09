using System.Net;

namespace DhtNet.Interop.Tests.Harness;

/// <summary>
/// A DhtNet node on one loopback address (127.0.0.1 unless told otherwise) with what it reports
/// recorded for the test: its log, the nodes it added, the announces it received and its warnings.
/// </summary>
public sealed class DhtNetPeer : IAsyncDisposable
{
    private DhtNetPeer(DhtNode node, RecordingLoggerFactory logs)
    {
        Node = node;
        Logs = logs;
        node.NodeAdded += (_, e) => Added.Add(e.Node);
        node.AnnounceReceived += (_, e) => Announces.Add(e);
        node.Warning += (_, e) => Warnings.Add(e.ToString());
    }

    /// <summary>The node itself.</summary>
    public DhtNode Node { get; }

    /// <summary>Its UDP endpoint.</summary>
    public IPEndPoint EndPoint => Node.LocalEndPoints[0];

    /// <summary>Its node id.</summary>
    public NodeId NodeId => Node.Id;

    /// <summary>Everything it logged.</summary>
    public RecordingLoggerFactory Logs { get; }

    /// <summary>Nodes it added to its routing table, in order.</summary>
    public ObservedLog<NodeInfo> Added { get; } = new(10_000);

    /// <summary>announce_peer queries it accepted.</summary>
    public ObservedLog<AnnounceReceivedEventArgs> Announces { get; } = new(10_000);

    /// <summary>Its Warning events.</summary>
    public ObservedLog<string> Warnings { get; } = new(1_000);

    /// <summary>
    /// Starts a node bound to <paramref name="address"/> (127.0.0.1) on a free port, bootstrapping
    /// off <paramref name="bootstrap"/>; returns when its bootstrap is over.
    /// </summary>
    public static async Task<DhtNetPeer> StartAsync(
        IEnumerable<IPEndPoint>? bootstrap = null,
        IPAddress? address = null,
        DhtOptions? template = null,
        CancellationToken cancellationToken = default)
    {
        var logs = new RecordingLoggerFactory();
        var options = (template ?? new DhtOptions()) with
        {
            Port = 0,
            BootstrapNodes = (bootstrap ?? []).Select(Json.Text).ToArray(),
            LoggerFactory = logs,
        };
        var transport = new UdpTransport([new IPEndPoint(address ?? IPAddress.Loopback, 0)]);
        var peer = new DhtNetPeer(new DhtNode(transport, options), logs);
        try
        {
            await peer.Node.StartAsync(cancellationToken).WaitAsync(TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
            return peer;
        }
        catch
        {
            await peer.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Whether its routing table holds the node <paramref name="id"/>.</summary>
    public bool Holds(NodeId id) => Node.ExportNodes().Any(n => n.Id == id);

    /// <summary>Waits until the node <paramref name="id"/> has been added to its routing table.</summary>
    public Task<NodeInfo> WaitForNodeAsync(NodeId id, TimeSpan timeout) =>
        Added.WaitAsync(n => n.Id == id, timeout, () => $"{this} never added {id}.{Environment.NewLine}{Describe()}");

    /// <summary>Waits for an announce of <paramref name="infoHash"/> (by <paramref name="peer"/>, if given) it accepted.</summary>
    public Task<AnnounceReceivedEventArgs> WaitForAnnounceAsync(NodeId infoHash, TimeSpan timeout, IPEndPoint? peer = null) =>
        Announces.WaitAsync(
            a => a.InfoHash == infoHash && (peer is null || a.Peer.Equals(peer)),
            timeout,
            () => $"{this} received no announce of {infoHash}{(peer is null ? "" : " by " + peer)}.{Environment.NewLine}{Describe()}");

    /// <summary>Every provider FindProvidersAsync streams for <paramref name="infoHash"/> (lookup until done or 20 s).</summary>
    public async Task<IReadOnlyList<IPEndPoint>> FindProvidersAsync(NodeId infoHash, TimeSpan? timeout = null)
    {
        var found = new List<IPEndPoint>();
        await foreach (var peer in Node.FindProvidersAsync(infoHash, 100, timeout ?? TimeSpan.FromSeconds(20)).ConfigureAwait(false))
        {
            found.Add(peer);
        }

        return found;
    }

    /// <summary>
    /// What went wrong on our side while talking to the peers: warnings, datagrams we dropped as
    /// malformed, handler or encoder failures, and error-level log lines.
    /// </summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        problems.AddRange(Warnings.Snapshot().Select(w => "warning: " + w));
        if (Node.Dispatcher is { } krpc)
        {
            if (krpc.Malformed > 0)
            {
                problems.Add($"{krpc.Malformed} malformed datagrams");
            }

            if (krpc.HandlerFailures > 0)
            {
                problems.Add($"{krpc.HandlerFailures} handler failures");
            }
        }

        problems.AddRange(Logs.Lines.Snapshot().Where(l => l.StartsWith("Error", StringComparison.Ordinal) || l.Contains("malformed", StringComparison.Ordinal)));
        return problems;
    }

    /// <summary>Fails the test when <see cref="Problems"/> found anything.</summary>
    public void AssertNoProblems()
    {
        var problems = Problems();
        Assert.True(problems.Count == 0, $"{this}: {string.Join("; ", problems)}{Environment.NewLine}{Describe()}");
    }

    /// <summary>Its counters, table and newest log lines, for failure messages.</summary>
    public string Describe()
    {
        var lines = Logs.Lines.Snapshot();
        var recent = lines.Skip(Math.Max(0, lines.Count - 40));
        var krpc = Node.Dispatcher;
        string counters = krpc is null
            ? "not started"
            : $"queries in {krpc.QueriesReceived}, out {krpc.QueriesSent}, responses matched {krpc.ResponsesMatched}, errors in {krpc.ErrorsReceived}, errors sent {krpc.ErrorsSent}, timeouts {krpc.Timeouts}, malformed {krpc.Malformed}, unmatched {krpc.Unmatched}";
        return $"{this}: {counters}; table [{string.Join(", ", Node.ExportNodes().Select(n => $"{n.Id.ToString()[..8]}@{n.EndPoint}"))}]"
            + Environment.NewLine + "recent log:" + Environment.NewLine + string.Join(Environment.NewLine, recent.Select(l => "  " + l));
    }

    /// <summary>Stops the node.</summary>
    public ValueTask DisposeAsync() => Node.DisposeAsync();

    /// <inheritdoc />
    public override string ToString() => Node.LocalEndPoints.Count > 0 ? $"DhtNet {NodeId} at {EndPoint}" : $"DhtNet {NodeId}";
}
