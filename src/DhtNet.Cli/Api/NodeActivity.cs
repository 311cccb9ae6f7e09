using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net;
using System.Text.Json;
using System.Threading.Channels;

namespace DhtNet.Cli.Api;

/// <summary>
/// What the node does, as the dashboard shows it: queries served per method, the hops of running
/// lookups (who answered, whom they named), finished lookups and recent warnings. Fed from the
/// library's traces (<see cref="DhtActivity"/>, through an <see cref="ActivityListener"/>), its meters
/// (through a <see cref="MeterListener"/>) and the node's events; every table here is bounded.
/// Watchers get events through bounded channels that drop the oldest when a browser falls behind.
/// </summary>
internal sealed class NodeActivity : IDisposable
{
    public const int MaxLookups = 64;
    public const int MaxHopsPerLookup = 512;
    public const int MaxWarnings = 50;
    public const int MaxWatchers = 32;
    public const int WatcherBuffer = 1024;

    /// <summary>Nodes listed in one peer-response event (bittorrent-dht may name its whole table).</summary>
    public const int MaxCloserPerEvent = 16;

    private static readonly TimeSpan QuietLimit = TimeSpan.FromSeconds(10);

    private readonly MeterListener _meterListener = new();
    private readonly Dictionary<string, long> _measurements = [];
    private readonly ConcurrentDictionary<NodeId, LiveLookup> _lookups = new();
    private readonly ConcurrentQueue<Warning> _warnings = new();
    private readonly ConcurrentDictionary<Channel<string>, byte> _watchers = new();
    private readonly ConcurrentDictionary<NodeId, Action<QueryEvent>[]> _followers = new();
    private readonly TimeProvider _time;
    private ActivityListener? _listener;

    public NodeActivity(TimeProvider time)
    {
        _time = time;
    }

    /// <summary>The node's meter factory: give it to <see cref="DhtOptions.MeterFactory"/>.</summary>
    public ScopedMeterFactory Meters { get; } = new();

    public IReadOnlyList<Warning> Warnings => [.. _warnings];

    public IReadOnlyCollection<LiveLookup> Lookups => [.. _lookups.Values];

    public int WatcherCount => _watchers.Count;

    public DateTimeOffset Now => _time.GetUtcNow();

    /// <summary>
    /// Calls <paramref name="onEvent"/> with a sending-query event for every query of a lookup toward
    /// <paramref name="target"/> and a peer-response event for every answer (on the receive thread:
    /// it must be quick and must not throw), until disposed. This is how an RPC request streams the
    /// hops of its lookup; concurrent lookups of the same target are seen by all their followers.
    /// </summary>
    public IDisposable Follow(NodeId target, Action<QueryEvent> onEvent)
    {
        _followers.AddOrUpdate(target, [onEvent], (_, existing) => [.. existing, onEvent]);
        return new Unfollow(this, target, onEvent);
    }

    /// <summary>Subscribes a watcher; null when <see cref="MaxWatchers"/> already watch.</summary>
    public ChannelReader<string>? Watch()
    {
        if (_watchers.Count >= MaxWatchers)
        {
            return null;
        }

        var channel = Channel.CreateBounded<string>(new BoundedChannelOptions(WatcherBuffer) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
        _watchers.TryAdd(channel, 0);
        return channel.Reader;
    }

    public void Unwatch(ChannelReader<string> reader)
    {
        foreach (var channel in _watchers.Keys)
        {
            if (channel.Reader == reader)
            {
                _watchers.TryRemove(channel, out _);
            }
        }
    }

    /// <summary>Sends one JSON event to every watcher.</summary>
    public void Publish(string type, Action<Utf8JsonWriter> fields)
    {
        if (_watchers.IsEmpty)
        {
            return;
        }

        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("type"u8, type);
            fields(writer);
            writer.WriteEndObject();
        }

        string line = System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
        foreach (var channel in _watchers.Keys)
        {
            channel.Writer.TryWrite(line);
        }
    }

    public void Warn(string message)
    {
        var warning = new Warning(_time.GetUtcNow(), message.Length > 500 ? message[..500] : message);
        _warnings.Enqueue(warning);
        while (_warnings.Count > MaxWarnings && _warnings.TryDequeue(out _))
        {
        }

        Publish("warning", w =>
        {
            w.WriteNumber("at"u8, warning.At.ToUnixTimeMilliseconds());
            w.WriteString("message"u8, warning.Message);
        });
    }

    public void LookupCompleted(LookupCompletedEventArgs e)
    {
        if (_lookups.TryGetValue(e.Target, out var lookup))
        {
            lookup.Operation = e.Operation;
            lookup.Done = true;
        }

        Publish("done", w =>
        {
            w.WriteString("target"u8, e.Target.ToString());
            w.WriteString("operation"u8, e.Operation);
            w.WriteNumber("queried"u8, e.Statistics.Queried);
            w.WriteNumber("answered"u8, e.Statistics.Answered);
            w.WriteNumber("ms"u8, (long)e.Statistics.Elapsed.TotalMilliseconds);
        });
    }

    /// <summary>
    /// Starts reading the lookups of the node <paramref name="localId"/> from the library's
    /// <see cref="DhtActivity"/> traces and its counters from the meters of <see cref="Meters"/>.
    /// </summary>
    public void Attach(NodeId localId)
    {
        string id = localId.ToString();
        _listener = new ActivityListener
        {
            ShouldListenTo = static source => source.Name == DhtActivity.SourceName,

            // Only this node's lookups and their requests are recorded; other nodes' in the same
            // process are not even created (unless another listener wants them).
            Sample = (ref ActivityCreationOptions<ActivityContext> options) =>
                options.Name == DhtActivity.RequestName
                    ? (options.Parent.TraceFlags & ActivityTraceFlags.Recorded) != 0 ? ActivitySamplingResult.AllData : ActivitySamplingResult.None
                    : Tag(options.Tags, DhtActivity.LocalIdTag) == id ? ActivitySamplingResult.AllDataAndRecorded : ActivitySamplingResult.None,
            ActivityStarted = a =>
            {
                if (a.OperationName == DhtActivity.RequestName && Mine(a.Parent, id))
                {
                    RequestSent(a);
                }
            },
            ActivityStopped = a =>
            {
                if (a.OperationName == DhtActivity.RequestName && Mine(a.Parent, id))
                {
                    RequestEnded(a);
                }
            },
        };
        ActivitySource.AddActivityListener(_listener);

        _meterListener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Scope == Meters)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _meterListener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Measured(instrument.Name, value, tags));
        _meterListener.SetMeasurementEventCallback<int>((instrument, value, tags, _) => Measured(instrument.Name, value, tags));
        _meterListener.Start();
    }

    /// <summary>
    /// The node's counters and gauges now, by instrument name (a tagged instrument as
    /// <c>name/tag value</c>, e.g. <c>dhtnet.krpc.queries.served/ping</c>).
    /// </summary>
    public IReadOnlyDictionary<string, long> Measure()
    {
        lock (_measurements)
        {
            _measurements.Clear();
            _meterListener.RecordObservableInstruments();
            return new Dictionary<string, long>(_measurements);
        }
    }

    public void Dispose()
    {
        _listener?.Dispose();
        _meterListener.Dispose();
        Meters.Dispose();
    }

    private void Measured(string name, long value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        string key = tags.Length == 1 ? $"{name}/{tags[0].Value}" : name;
        _measurements[key] = _measurements.GetValueOrDefault(key) + value;
    }

    private static string? Tag(IEnumerable<KeyValuePair<string, object?>>? tags, string key)
    {
        if (tags is not null)
        {
            foreach (var tag in tags)
            {
                if (tag.Key == key)
                {
                    return tag.Value as string;
                }
            }
        }

        return null;
    }

    private static bool Mine(Activity? lookup, string id) =>
        lookup is { OperationName: DhtActivity.LookupName } && lookup.GetTagItem(DhtActivity.LocalIdTag) as string == id;

    /// <summary>A query of one of our lookups went out: a hop of that lookup's tree.</summary>
    private void RequestSent(Activity request)
    {
        if (!TargetOf(request, out var target, out string operation) || request.GetTagItem(DhtActivity.PeerAddressTag) is not string address)
        {
            return;
        }

        var lookup = Lookup(target, operation, _time.GetUtcNow());
        if (lookup?.Sent(address) is { } hop)
        {
            PublishHop(lookup, hop, "sent");
        }

        if (_followers.TryGetValue(target, out var followers))
        {
            var id = lookup?.IdOf(address);
            Notify(followers, new QueryEvent(QueryEventType.SendingQuery, id is { } known ? MainlineNames.PeerId(known) : ""));
        }
    }

    /// <summary>A request of one of our lookups ended: answered (with the nodes it named), or not.</summary>
    private void RequestEnded(Activity request)
    {
        if (!TargetOf(request, out var target, out _) || request.GetTagItem(DhtActivity.PeerAddressTag) is not string address
            || !_lookups.TryGetValue(target, out var lookup))
        {
            return;
        }

        lookup.LastActivity = _time.GetUtcNow();
        NodeId? responder = request.GetTagItem(DhtActivity.OutcomeTag) as string == "answered"
            && NodeId.TryParse(request.GetTagItem(DhtActivity.PeerIdTag) as string, out var from) ? from : null;
        var named = responder is null ? [] : Named(request.GetTagItem(DhtActivity.NodesTag) as string[] ?? []);
        if (lookup.Answered(address, responder, named) is { } hop)
        {
            PublishHop(lookup, hop, responder is null ? "error" : "answered");
        }

        if (responder is { } peer && _followers.TryGetValue(target, out var followers))
        {
            var closer = named.Take(MaxCloserPerEvent)
                .Select(n => new ApiPeer(MainlineNames.PeerId(n.Id), [MainlineNames.NodeAddress(n.EndPoint)]))
                .ToArray();
            Notify(followers, new QueryEvent(QueryEventType.PeerResponse, MainlineNames.PeerId(peer), closer));
        }
    }

    private static bool TargetOf(Activity request, out NodeId target, out string operation)
    {
        operation = request.Parent?.GetTagItem(DhtActivity.OperationTag) as string ?? "";
        target = default;
        return NodeId.TryParse(request.Parent?.GetTagItem(DhtActivity.TargetTag) as string, out target);
    }

    // The library writes each named node as "hexid@address:port".
    private static NodeInfo[] Named(string[] nodes)
    {
        var named = new List<NodeInfo>(nodes.Length);
        foreach (string node in nodes)
        {
            int at = node.IndexOf('@');
            if (at > 0 && NodeId.TryParse(node.AsSpan(0, at), out var id) && IPEndPoint.TryParse(node.AsSpan(at + 1), out var endPoint))
            {
                named.Add(new NodeInfo(id, endPoint));
            }
        }

        return [.. named];
    }

    private LiveLookup? Lookup(NodeId target, string method, DateTimeOffset now)
    {
        if (_lookups.TryGetValue(target, out var existing))
        {
            existing.LastActivity = now;
            return existing;
        }

        if (_lookups.Count >= MaxLookups)
        {
            // The oldest finished (or, failing that, the oldest) lookup makes room.
            var oldest = _lookups.Values.OrderBy(l => !l.Done).ThenBy(l => l.LastActivity).FirstOrDefault();
            if (oldest is not null)
            {
                _lookups.TryRemove(oldest.Target, out _);
            }
        }

        var lookup = new LiveLookup(target, method, now);
        return _lookups.TryAdd(target, lookup) ? lookup : _lookups.GetValueOrDefault(target);
    }

    private void PublishHop(LiveLookup lookup, Hop hop, string state) => Publish("hop", w =>
    {
        w.WriteString("target"u8, lookup.Target.ToString());
        w.WriteString("method"u8, lookup.Method);
        w.WriteString("node"u8, hop.Address);
        w.WriteString("id"u8, hop.Id?.ToString() ?? "");
        w.WriteString("parent"u8, hop.Parent ?? "");
        w.WriteString("state"u8, state);
        w.WriteNumber("named"u8, hop.Named);
    });

    private static void Notify(Action<QueryEvent>[] followers, QueryEvent e)
    {
        foreach (var follower in followers)
        {
            follower(e);
        }
    }

    private sealed class Unfollow(NodeActivity activity, NodeId target, Action<QueryEvent> onEvent) : IDisposable
    {
        public void Dispose()
        {
            while (activity._followers.TryGetValue(target, out var existing))
            {
                var rest = existing.Where(f => f != onEvent).ToArray();
                if (rest.Length == 0
                    ? activity._followers.TryRemove(KeyValuePair.Create(target, existing))
                    : activity._followers.TryUpdate(target, rest, existing))
                {
                    return;
                }
            }
        }
    }

    public sealed record Warning(DateTimeOffset At, string Message);

    /// <summary>One node asked during a lookup: its address, id once known, and who named it to us.</summary>
    public sealed class Hop(string address, string? parent)
    {
        public string Address { get; } = address;

        public string? Parent { get; } = parent;

        public NodeId? Id { get; set; }

        public string State { get; set; } = "sent";

        public int Named { get; set; }
    }

    /// <summary>The hop tree of one lookup: each asked node hangs under the node whose answer named it first.</summary>
    public sealed class LiveLookup(NodeId target, string method, DateTimeOffset started)
    {
        private readonly Dictionary<string, Hop> _hops = [];
        private readonly Dictionary<string, string> _namedBy = [];
        private readonly Dictionary<string, NodeId> _ids = [];

        public NodeId Target { get; } = target;

        /// <summary>The operation that started the lookup (get_peers, find_node, get, ...).</summary>
        public string Method { get; } = method;

        public DateTimeOffset Started { get; } = started;

        public DateTimeOffset LastActivity { get; set; } = started;

        public string Operation { get; set; } = "";

        public bool Done { get; set; }

        /// <summary>
        /// Finished, or quiet for longer than a request can take: lookups the library ends without a
        /// completion event (bucket refreshes, cancelled ones) stop looking alive.
        /// </summary>
        public bool IsOver(DateTimeOffset now) => Done || now - LastActivity > QuietLimit;

        public IReadOnlyList<Hop> Hops
        {
            get
            {
                lock (_hops)
                {
                    return [.. _hops.Values];
                }
            }
        }

        /// <summary>The id an earlier answer gave for <paramref name="node"/>, if any.</summary>
        public NodeId? IdOf(string address)
        {
            lock (_hops)
            {
                return _ids.TryGetValue(address, out var id) ? id : null;
            }
        }

        public Hop? Sent(string address)
        {
            lock (_hops)
            {
                if (_hops.ContainsKey(address) || _hops.Count >= MaxHopsPerLookup)
                {
                    return null;
                }

                var hop = new Hop(address, _namedBy.GetValueOrDefault(address));
                _hops[address] = hop;
                return hop;
            }
        }

        public Hop? Answered(string address, NodeId? id, NodeInfo[] named)
        {
            lock (_hops)
            {
                if (!_hops.TryGetValue(address, out var hop))
                {
                    return null;
                }

                hop.Id = id;
                hop.State = id is null ? "error" : "answered";
                hop.Named = named.Length;
                foreach (var n in named)
                {
                    if (_namedBy.Count < MaxHopsPerLookup * 4)
                    {
                        _namedBy.TryAdd(n.EndPoint.ToString(), address);
                        _ids.TryAdd(n.EndPoint.ToString(), n.Id);
                    }
                }

                return hop;
            }
        }
    }
}
