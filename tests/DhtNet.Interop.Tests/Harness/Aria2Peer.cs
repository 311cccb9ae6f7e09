using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;

namespace DhtNet.Interop.Tests.Harness;

/// <summary>
/// aria2c (BEP 5 only) fetching a magnet link for one info-hash with only its DHT to find peers:
/// it looks the info-hash up and announces its BitTorrent listen port (<see cref="ListenPort"/>).
/// Its debug log (stdout) is the only window into it. Its first lookup, made before its entry point
/// has answered, finds nothing; the retry about 5 s later finds nodes and announces.
/// </summary>
public sealed partial class Aria2Peer : IAsyncDisposable
{
    /// <summary>
    /// How long to give aria2 for what its lookup does: its first one finds nothing, and the retry
    /// that does the work comes about 5 s later.
    /// </summary>
    public static readonly TimeSpan LookupTimeout = TimeSpan.FromSeconds(30);

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(15);

    private readonly string _directory;
    private readonly List<string> _arguments;
    private ChildProcess? _child;

    private Aria2Peer(string directory, int dhtPort, int listenPort, IPEndPoint entryPoint, NodeId infoHash)
    {
        _directory = directory;
        DhtPort = dhtPort;
        ListenPort = listenPort;
        Log = new ObservedLog<string>(20_000);
        _arguments =
        [
            "--no-conf=true",
            "--enable-dht=true",
            "--enable-dht6=false",
            $"--dht-listen-port={dhtPort}",
            $"--dht-file-path={Path.Combine(directory, "dht.dat")}",
            "--dht-message-timeout=2",
            $"--listen-port={listenPort}",
            $"--dir={directory}",
            "--bt-enable-lpd=false",
            "--enable-peer-exchange=false",
            "--seed-time=0",
            "--async-dns=false",
            "--log=-",
            "--log-level=debug",
            "--console-log-level=error",
            "--summary-interval=0",
            "--show-console-readout=false",
            // Should the test host die without disposing, aria2 (which ignores stdin) ends too.
            $"--stop-with-process={Environment.ProcessId}",
            $"--dht-entry-point={entryPoint.Address}:{entryPoint.Port}",
            $"magnet:?xt=urn:btih:{infoHash}",
        ];
    }

    /// <summary>The UDP port of its DHT (it binds 0.0.0.0).</summary>
    public int DhtPort { get; }

    /// <summary>Its DHT endpoint on loopback.</summary>
    public IPEndPoint DhtEndPoint => new(IPAddress.Loopback, DhtPort);

    /// <summary>Its BitTorrent TCP port: the port its announce_peer carries.</summary>
    public int ListenPort { get; }

    /// <summary>Its DHT node id, read from the log.</summary>
    public NodeId NodeId { get; private set; }

    /// <summary>Its log lines (newest 20,000).</summary>
    public ObservedLog<string> Log { get; }

    /// <summary>
    /// Starts aria2c on free ports with <paramref name="entryPoint"/> as its only DHT contact and a
    /// magnet link for <paramref name="infoHash"/>; returns once its DHT listens.
    /// </summary>
    public static async Task<Aria2Peer> StartAsync(IPEndPoint entryPoint, NodeId infoHash, CancellationToken cancellationToken = default)
    {
        PeerRequirements.RequireAria2();
        string directory = Directory.CreateTempSubdirectory("dhtnet-aria2-").FullName;
        var peer = new Aria2Peer(directory, FreePorts.Udp(), FreePorts.Tcp(), entryPoint, infoHash);
        try
        {
            peer.Start();
            await peer.Log.WaitAsync(l => l.Contains("IPv4 DHT: listening on UDP port", StringComparison.Ordinal), StartTimeout, peer.Describe, cancellationToken).ConfigureAwait(false);
            string idLine = await peer.Log.WaitAsync(l => NodeIdLine().IsMatch(l), StartTimeout, peer.Describe, cancellationToken).ConfigureAwait(false);
            peer.NodeId = NodeId.Parse(NodeIdLine().Match(idLine).Groups[1].Value);
            return peer;
        }
        catch
        {
            await peer.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Waits until a node has answered one of its announce_peer queries; returns that node's endpoint.
    /// </summary>
    public async Task<IPEndPoint> WaitForAnnounceAcknowledgedAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        string line = await Log.WaitAsync(l => AnnounceResponse().IsMatch(l), timeout, Describe, cancellationToken).ConfigureAwait(false);
        var match = AnnounceResponse().Match(line);
        return new IPEndPoint(IPAddress.Parse(match.Groups[1].Value), int.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture));
    }

    /// <summary>Waits for a log line matching <paramref name="pattern"/>.</summary>
    public Task<string> WaitForLogAsync(Regex pattern, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        Log.WaitAsync(pattern.IsMatch, timeout, Describe, cancellationToken);

    /// <summary>Waits until aria2 has added the node <paramref name="id"/> to its routing table.</summary>
    public Task<string> WaitForNodeAddedAsync(NodeId id, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        // "Trying to add node:DHTNode ID=<id>" is followed at once by "Added DHTNode." when it fits;
        // log lines reach the predicate one at a time, in order.
        string trying = $"Trying to add node:DHTNode ID={id},";
        bool pending = false;
        return Log.WaitAsync(
            line =>
            {
                if (line.Contains("[DHTRoutingTable.cc", StringComparison.Ordinal))
                {
                    if (pending && line.EndsWith("Added DHTNode.", StringComparison.Ordinal))
                    {
                        return true;
                    }

                    pending = line.Contains(trying, StringComparison.Ordinal);
                }

                return false;
            },
            timeout,
            () => $"aria2 never added {id}.{Environment.NewLine}{Describe()}",
            cancellationToken);
    }

    /// <summary>Waits until a get_peers reply gave aria2 the peer <paramref name="peer"/>.</summary>
    public Task<string> WaitForPeerReceivedAsync(IPEndPoint peer, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        string added = $"Adding peer {peer}";
        string again = $"Adding {peer} is rejected because it has been already added";
        return Log.WaitAsync(
            l => l.Contains("[DefaultPeerStorage.cc", StringComparison.Ordinal) && (l.EndsWith(added, StringComparison.Ordinal) || l.Contains(again, StringComparison.Ordinal)),
            timeout,
            () => $"aria2 never received the peer {peer}.{Environment.NewLine}{Describe()}",
            cancellationToken);
    }

    /// <summary>
    /// Waits until every DHT query aria2 sent to one of <paramref name="ports"/> (on 127.0.0.1) has
    /// been answered with a response of its kind; returns the kinds of query sent. Fails when one
    /// is still unanswered after <paramref name="timeout"/>, or was answered with an error.
    /// </summary>
    public async Task<IReadOnlySet<string>> WaitForQueriesAnsweredAsync(IEnumerable<int> ports, TimeSpan timeout)
    {
        var portSet = ports.ToHashSet();
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var lines = Log.Snapshot();
            var sent = new Dictionary<string, string>(StringComparer.Ordinal);
            var answered = new HashSet<string>(StringComparer.Ordinal);
            var errors = new List<string>();
            foreach (string line in lines)
            {
                var message = DhtMessage().Match(line);
                if (!message.Success || !portSet.Contains(int.Parse(message.Groups["port"].Value, CultureInfo.InvariantCulture)))
                {
                    continue;
                }

                string key = message.Groups["t"].Value + "@" + message.Groups["port"].Value;
                switch (message.Groups["direction"].Value, message.Groups["type"].Value)
                {
                    case ("sent", "query"):
                        sent[key] = message.Groups["kind"].Value;
                        break;
                    case ("received", "response"):
                        answered.Add(key);
                        break;
                    case ("received", "error"):
                        errors.Add(line);
                        break;
                }
            }

            Assert.True(errors.Count == 0, $"aria2 received errors: {string.Join(Environment.NewLine, errors)}");
            var open = sent.Keys.Where(k => !answered.Contains(k)).ToList();
            if (open.Count == 0)
            {
                return sent.Values.ToHashSet(StringComparer.Ordinal);
            }

            var remaining = deadline - DateTime.UtcNow;
            Assert.True(remaining > TimeSpan.Zero, $"aria2 queries without an answer: {string.Join(", ", open.Select(k => $"{sent[k]} {k}"))}{Environment.NewLine}{Describe()}");

            // Wait for the next log line (aria2 logs at least once a second) and look again.
            int held = lines.Count;
            int seen = 0;
            await Log.WaitAsync(_ => ++seen > held, remaining, Describe).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// DHT log lines that report trouble (errors, exceptions, time-outs, unknown messages), except
    /// the missing routing-table file every fresh start reports.
    /// </summary>
    public IReadOnlyList<string> Complaints() =>
        Log.Snapshot()
            .Where(l => DhtSource().IsMatch(l) && Trouble().IsMatch(l))
            .Where(l => !l.Contains("DHT routing table", StringComparison.Ordinal))
            .ToArray();

    /// <summary>Fails the test when aria2 complained (see <see cref="Complaints"/>).</summary>
    public void AssertNoComplaints()
    {
        var complaints = Complaints();
        Assert.True(complaints.Count == 0, $"aria2 complained:{Environment.NewLine}{string.Join(Environment.NewLine, complaints)}");
    }

    /// <summary>The process and its newest log lines, for failure messages.</summary>
    public string Describe()
    {
        var lines = Log.Snapshot();
        var recent = lines.Skip(Math.Max(0, lines.Count - 40)).Where(l => !l.Contains("[DHTTask", StringComparison.Ordinal));
        return (_child?.Describe() ?? "aria2c (not started)") + Environment.NewLine + "recent log:" + Environment.NewLine + string.Join(Environment.NewLine, recent);
    }

    /// <summary>Ends aria2c and removes its directory.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_child is not null)
        {
            await _child.DisposeAsync().ConfigureAwait(false);
        }

        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // Left for the system's temp cleaning; nothing runs from it any more.
        }
    }

    /// <inheritdoc />
    public override string ToString() => $"aria2 {NodeId} at {DhtEndPoint}";

    private void Start()
    {
        _child = ChildProcess.Start("aria2c", "aria2c", _arguments, _directory, Log.Add);
        _ = _child.Exited.ContinueWith(_ => Log.Close("aria2c exited."), TaskScheduler.Default);
    }

    [GeneratedRegex(@"Message (?<direction>sent|received): dht (?<type>query|response|error) (?<kind>\w+) TransactionID=(?<t>[0-9a-f]+) Remote:127\.0\.0\.1\((?<port>\d+)\)")]
    private static partial Regex DhtMessage();

    [GeneratedRegex(@"\] \[DHT\w*\.(cc|h):\d+\]")]
    private static partial Regex DhtSource();

    [GeneratedRegex(@"error|exception|timeout|unknown", RegexOptions.IgnoreCase)]
    private static partial Regex Trouble();

    [GeneratedRegex(@"Initialized local node ID=([0-9a-f]{40})")]
    private static partial Regex NodeIdLine();

    [GeneratedRegex(@"Message received: dht response announce_peer .*Remote:([0-9.]+)\((\d+)\)")]
    private static partial Regex AnnounceResponse();
}
