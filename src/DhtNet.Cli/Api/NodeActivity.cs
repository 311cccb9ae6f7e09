using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using System.Threading.Channels;

namespace DhtNet.Cli.Api;

/// <summary>
/// What the node does, as the dashboard shows it: queries served per method, the hops of running
/// lookups (who answered, whom they named), finished lookups and recent warnings. Fed from the
/// wire (<see cref="ObservedTransport"/>) and the node's events; every table here is bounded.
/// Watchers get events through bounded channels that drop the oldest when a browser falls behind.
/// </summary>
internal sealed class NodeActivity
{
    public const int MaxPending = 4096;
    public const int MaxLookups = 64;
    public const int MaxHopsPerLookup = 512;
    public const int MaxWarnings = 50;
    public const int MaxWatchers = 32;
    public const int WatcherBuffer = 1024;

    /// <summary>Nodes listed in one peer-response event (bittorrent-dht may name its whole table).</summary>
    public const int MaxCloserPerEvent = 16;

    private static readonly TimeSpan PendingLifetime = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan QuietLimit = TimeSpan.FromSeconds(10);

    private readonly long[] _served = new long[Enum.GetValues<KrpcMethod>().Length];
    private readonly ConcurrentDictionary<(int Transaction, IPEndPoint Node), Pending> _pending = new();
    private readonly ConcurrentDictionary<NodeId, LiveLookup> _lookups = new();
    private readonly ConcurrentQueue<Warning> _warnings = new();
    private readonly ConcurrentDictionary<Channel<string>, byte> _watchers = new();
    private readonly ConcurrentDictionary<NodeId, Action<QueryEvent>[]> _followers = new();
    private readonly TimeProvider _time;

    public NodeActivity(TimeProvider time)
    {
        _time = time;
    }

    /// <summary>Queries answered (or refused) by method since start.</summary>
    public long Served(KrpcMethod method) => Interlocked.Read(ref _served[(int)method]);

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

    /// <summary>A datagram we send: our queries start hops of a lookup (or stand alone: pings, announces).</summary>
    public void Sent(ReadOnlySpan<byte> datagram, IPEndPoint destination)
    {
        if (!KrpcCodec.TryReadEnvelope(datagram.ToArray(), out var envelope, out _) || envelope.Type != KrpcMessageType.Query)
        {
            return;
        }

        var decoded = KrpcCodec.DecodeQuery(envelope);
        if (decoded.Message is not KrpcQuery query)
        {
            return;
        }

        NodeId? target = query switch
        {
            FindNodeQuery f => f.Target,
            GetPeersQuery g => g.InfoHash,
            GetQuery g => g.Target,
            _ => null,
        };
        var now = _time.GetUtcNow();
        if (_pending.Count >= MaxPending)
        {
            Expire(now);
        }

        if (_pending.Count < MaxPending)
        {
            _pending[(envelope.TransactionNumber, destination)] = new Pending(query.Method, target, now);
        }

        if (target is { } t)
        {
            var lookup = Lookup(t, query.Method, now);
            if (lookup?.Sent(destination) is { } hop)
            {
                PublishHop(lookup, hop, "sent");
            }

            if (_followers.TryGetValue(t, out var followers))
            {
                var id = lookup?.IdOf(destination);
                Notify(followers, new QueryEvent(QueryEventType.SendingQuery, id is { } known ? MainlineNames.PeerId(known) : ""));
            }
        }
    }

    /// <summary>A datagram we receive: queries served are counted; answers to our lookups become hops.</summary>
    public void Received(ReadOnlySpan<byte> datagram, IPEndPoint source)
    {
        if (!KrpcCodec.TryReadEnvelope(datagram.ToArray(), out var envelope, out _))
        {
            return;
        }

        if (envelope.Type == KrpcMessageType.Query)
        {
            if (QueryMethod(envelope.QueryName.Span) is { } method)
            {
                Interlocked.Increment(ref _served[(int)method]);
            }

            return;
        }

        if (!_pending.TryRemove((envelope.TransactionNumber, source), out var pending) || pending.Target is not { } target)
        {
            return;
        }

        if (!_lookups.TryGetValue(target, out var lookup))
        {
            return;
        }

        NodeInfo[] named = [];
        NodeId? responder = null;
        if (envelope.Type == KrpcMessageType.Response && KrpcCodec.DecodeResponse(envelope, pending.Method).Message is KrpcResponse response)
        {
            responder = response.SenderId;
            named = response switch
            {
                FindNodeResponse f => [.. f.Nodes, .. f.Nodes6],
                GetPeersResponse g => [.. g.Nodes, .. g.Nodes6],
                GetResponse g => [.. g.Nodes, .. g.Nodes6],
                _ => [],
            };
        }

        if (lookup.Answered(source, responder, named) is { } hop)
        {
            PublishHop(lookup, hop, responder is null ? "error" : "answered");
        }

        if (responder is { } from && _followers.TryGetValue(target, out var followers))
        {
            var closer = named.Take(MaxCloserPerEvent)
                .Select(n => new ApiPeer(MainlineNames.PeerId(n.Id), [MainlineNames.NodeAddress(n.EndPoint)]))
                .ToArray();
            Notify(followers, new QueryEvent(QueryEventType.PeerResponse, MainlineNames.PeerId(from), closer));
        }
    }

    private LiveLookup? Lookup(NodeId target, KrpcMethod method, DateTimeOffset now)
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
        w.WriteString("method"u8, ApiNode.MethodName(lookup.Method));
        w.WriteString("node"u8, hop.Address);
        w.WriteString("id"u8, hop.Id?.ToString() ?? "");
        w.WriteString("parent"u8, hop.Parent ?? "");
        w.WriteString("state"u8, state);
        w.WriteNumber("named"u8, hop.Named);
    });

    private void Expire(DateTimeOffset now)
    {
        foreach (var (key, pending) in _pending)
        {
            if (now - pending.At > PendingLifetime)
            {
                _pending.TryRemove(key, out _);
            }
        }
    }

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

    private static KrpcMethod? QueryMethod(ReadOnlySpan<byte> name) => name switch
    {
        _ when name.SequenceEqual("ping"u8) => KrpcMethod.Ping,
        _ when name.SequenceEqual("find_node"u8) => KrpcMethod.FindNode,
        _ when name.SequenceEqual("get_peers"u8) => KrpcMethod.GetPeers,
        _ when name.SequenceEqual("announce_peer"u8) => KrpcMethod.AnnouncePeer,
        _ when name.SequenceEqual("get"u8) => KrpcMethod.Get,
        _ when name.SequenceEqual("put"u8) => KrpcMethod.Put,
        _ when name.SequenceEqual("sample_infohashes"u8) => KrpcMethod.SampleInfohashes,
        _ => null,
    };

    private sealed record Pending(KrpcMethod Method, NodeId? Target, DateTimeOffset At);

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
    public sealed class LiveLookup(NodeId target, KrpcMethod method, DateTimeOffset started)
    {
        private readonly Dictionary<string, Hop> _hops = [];
        private readonly Dictionary<string, string> _namedBy = [];
        private readonly Dictionary<string, NodeId> _ids = [];

        public NodeId Target { get; } = target;

        public KrpcMethod Method { get; } = method;

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
        public NodeId? IdOf(IPEndPoint node)
        {
            lock (_hops)
            {
                return _ids.TryGetValue(node.ToString(), out var id) ? id : null;
            }
        }

        public Hop? Sent(IPEndPoint node)
        {
            string address = node.ToString();
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

        public Hop? Answered(IPEndPoint node, NodeId? id, NodeInfo[] named)
        {
            string address = node.ToString();
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
