using System.Collections.Concurrent;
using System.Text.Json;

namespace DhtNet.Cli.Api;

/// <summary>
/// An <see cref="IKadMessenger"/> that passes every request to the real one and watches it go: the hops of
/// the lookup a request belongs to (a kad lookup sends the same key to every peer it asks) become query
/// events for the RPC requests following that key, and live hop trees for the dashboard. Give it to the
/// <see cref="IpfsDhtNode"/> in place of the messenger; serve inbound streams on the inner one.
/// </summary>
internal sealed class KadObserver(IKadMessenger inner, NodeActivity? activity = null, TimeProvider? time = null) : IKadMessenger
{
    public const int MaxLookups = 64;
    public const int MaxHopsPerLookup = 512;

    private static readonly TimeSpan QuietLimit = TimeSpan.FromSeconds(10);

    private readonly Followers<string> _followers = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Lookup> _lookups = new(StringComparer.Ordinal);
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private long _sent;
    private long _unanswered;

    public PeerId Self => inner.Self;

    public IReadOnlyList<Multiaddr> SelfAddresses => inner.SelfAddresses;

    public DateTimeOffset Now => _time.GetUtcNow();

    /// <summary>Requests sent through this messenger.</summary>
    public long Sent => Interlocked.Read(ref _sent);

    /// <summary>Requests that got no answer (unreachable, reset, malformed, or timed out).</summary>
    public long Unanswered => Interlocked.Read(ref _unanswered);

    /// <summary>The most recent lookups, newest activity first.</summary>
    public IReadOnlyList<Lookup> Lookups => [.. _lookups.Values.OrderByDescending(l => l.LastActivity)];

    public bool IsDhtServer(PeerId peer) => inner.IsDhtServer(peer);

    public Task<bool> SendMessageAsync(PeerInfo peer, KadMessage message, CancellationToken cancellationToken = default) =>
        inner.SendMessageAsync(peer, message, cancellationToken);

    /// <summary>
    /// Calls <paramref name="onEvent"/> with a sending-query event for every request carrying
    /// <paramref name="key"/>, then a peer-response (or query-error) event for its answer, until disposed.
    /// It runs on the request's thread: it must be quick and must not throw.
    /// </summary>
    public IDisposable Follow(ReadOnlyMemory<byte> key, Action<QueryEvent> onEvent)
    {
        return _followers.Add(Convert.ToBase64String(key.Span), onEvent);
    }

    public async Task<KadMessage?> SendRequestAsync(PeerInfo peer, KadMessage request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(peer);
        ArgumentNullException.ThrowIfNull(request);
        string id = Convert.ToBase64String(request.Key.Span);
        var followers = _followers.Of(id);
        var lookup = IsLookup(request.Type) && !request.Key.IsEmpty ? Track(id, request) : null;
        string peerText = peer.Id.ToString();
        Followers<string>.Notify(followers, new QueryEvent(QueryEventType.SendingQuery, peerText));
        lookup?.Update(peerText, "sent", this);
        Interlocked.Increment(ref _sent);

        var reply = await inner.SendRequestAsync(peer, request, cancellationToken).ConfigureAwait(false);
        if (reply is null)
        {
            Interlocked.Increment(ref _unanswered);
            Followers<string>.Notify(followers, new QueryEvent(QueryEventType.QueryError, peerText, Extra: "no answer"));
            lookup?.Update(peerText, "error", this);
            return null;
        }

        List<ApiPeer> closer = [];
        foreach (var entry in reply.CloserPeers)
        {
            if (closer.Count >= NodeActivity.MaxCloserPerEvent)
            {
                break;
            }

            if (entry.TryToPeerInfo(out var info))
            {
                closer.Add(IpfsNetwork.ToApiPeer(info));
            }
        }

        Followers<string>.Notify(followers, new QueryEvent(QueryEventType.PeerResponse, peerText, closer));
        if (lookup is not null)
        {
            lookup.Update(peerText, "answered", this);
            foreach (var named in closer)
            {
                lookup.Named(named.Id, peerText);
            }
        }

        return reply;
    }

    private static bool IsLookup(KadMessageType type) =>
        type is KadMessageType.FindNode or KadMessageType.GetProviders or KadMessageType.GetValue;

    private Lookup Track(string id, KadMessage request)
    {
        var now = _time.GetUtcNow();
        var lookup = _lookups.GetOrAdd(id, _ => new Lookup(IpfsNetwork.KeyText(request.Key.Span), MethodName(request.Type), now));
        if (lookup.IsOver(now) && lookup.Started < now)
        {
            // The same key looked up again after a quiet spell is a new lookup.
            var fresh = new Lookup(lookup.Target, MethodName(request.Type), now);
            _lookups[id] = fresh;
            lookup = fresh;
        }

        lookup.LastActivity = now;
        while (_lookups.Count > MaxLookups)
        {
            var oldest = _lookups.MinBy(l => l.Value.LastActivity);
            _lookups.TryRemove(oldest.Key, out _);
        }

        return lookup;
    }

    private static string MethodName(KadMessageType type) => type switch
    {
        KadMessageType.GetProviders => "get_providers",
        KadMessageType.GetValue => "get_value",
        _ => "find_node",
    };

    private void Publish(Lookup lookup, string peer, Hop hop) =>
        activity?.Publish("hop", w =>
        {
            w.WriteString("network"u8, "ipfs"u8);
            w.WriteString("target"u8, lookup.Target);
            w.WriteString("method"u8, lookup.Method);
            w.WriteString("node"u8, peer);
            w.WriteString("id"u8, peer);
            w.WriteString("parent"u8, hop.Parent ?? "");
            w.WriteString("state"u8, hop.State);
        });

    /// <summary>One hop of a lookup: a peer asked, which peer's answer named it, and how it answered.</summary>
    internal sealed class Hop(string? parent)
    {
        public string? Parent { get; set; } = parent;

        public string State { get; set; } = "named";
    }

    /// <summary>A lookup as the dashboard draws it: bounded hops keyed by peer id.</summary>
    internal sealed class Lookup(string target, string method, DateTimeOffset started)
    {
        private readonly Dictionary<string, Hop> _hops = new(StringComparer.Ordinal);

        public string Target { get; } = target;

        public string Method { get; } = method;

        public DateTimeOffset Started { get; } = started;

        public DateTimeOffset LastActivity { get; set; } = started;

        public bool IsOver(DateTimeOffset now) => now - LastActivity > QuietLimit;

        public IReadOnlyList<KeyValuePair<string, Hop>> Hops
        {
            get
            {
                lock (_hops)
                {
                    return [.. _hops];
                }
            }
        }

        public void Update(string peer, string state, KadObserver observer)
        {
            Hop? hop;
            lock (_hops)
            {
                if (!_hops.TryGetValue(peer, out hop))
                {
                    if (_hops.Count >= MaxHopsPerLookup)
                    {
                        return;
                    }

                    hop = new Hop(null);
                    _hops[peer] = hop;
                }

                hop.State = state;
            }

            observer.Publish(this, peer, hop);
        }

        /// <summary>Remembers that <paramref name="parent"/>'s answer named <paramref name="peer"/>, unless another did first.</summary>
        public void Named(string peer, string parent)
        {
            lock (_hops)
            {
                if (!_hops.ContainsKey(peer) && _hops.Count < MaxHopsPerLookup)
                {
                    _hops[peer] = new Hop(parent);
                }
            }
        }

        public void WriteTo(Utf8JsonWriter w, DateTimeOffset now)
        {
            w.WriteStartObject();
            w.WriteString("target"u8, Target);
            w.WriteString("method"u8, Method);
            w.WriteString("operation"u8, Method);
            w.WriteBoolean("done"u8, IsOver(now));
            w.WriteNumber("started"u8, Started.ToUnixTimeMilliseconds());
            w.WriteStartArray("hops"u8);
            foreach (var (peer, hop) in Hops)
            {
                if (hop.State == "named")
                {
                    continue;
                }

                w.WriteStartObject();
                w.WriteString("node"u8, peer);
                w.WriteString("id"u8, peer);
                w.WriteString("parent"u8, hop.Parent ?? "");
                w.WriteString("state"u8, hop.State);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }
    }
}
