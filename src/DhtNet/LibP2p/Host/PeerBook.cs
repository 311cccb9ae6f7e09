using DhtNet.Internal;

namespace DhtNet.LibP2p.Host;

/// <summary>
/// What the host remembers per peer: addresses, the last identify result, and dial back-off.
/// Bounded: the least recently touched peer is forgotten first. Thread-safe.
/// </summary>
internal sealed class PeerBook(int maxPeers, int maxAddresses)
{
    private readonly Dictionary<PeerId, Entry> _peers = [];
    private readonly RecencyList<Entry> _recency = new();
    private readonly object _gate = new();

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _peers.Count;
            }
        }
    }

    public void AddAddresses(PeerId peer, IEnumerable<Multiaddr> addresses)
    {
        lock (_gate)
        {
            var entry = Touch(peer);
            foreach (var address in addresses)
            {
                var plain = address.WithoutPeerId();
                if (!entry.Addresses.Contains(plain))
                {
                    if (entry.Addresses.Count == maxAddresses)
                    {
                        entry.Addresses.RemoveAt(0);
                    }

                    entry.Addresses.Add(plain);
                }
            }
        }
    }

    public IReadOnlyList<Multiaddr> Addresses(PeerId peer)
    {
        lock (_gate)
        {
            return _peers.TryGetValue(peer, out var entry) ? [.. entry.Addresses] : [];
        }
    }

    public void SetIdentity(PeerIdentity identity)
    {
        lock (_gate)
        {
            Touch(identity.Peer).Identity = identity;
        }
    }

    public PeerIdentity? Identity(PeerId peer)
    {
        lock (_gate)
        {
            return _peers.TryGetValue(peer, out var entry) ? entry.Identity : null;
        }
    }

    /// <summary>When the peer may be dialled again (null: now).</summary>
    public long? BackoffUntil(PeerId peer, long now)
    {
        lock (_gate)
        {
            return _peers.TryGetValue(peer, out var entry) && entry.BackoffUntil > now ? entry.BackoffUntil : null;
        }
    }

    /// <summary>Records a failed dial; returns the back-off now in force.</summary>
    public TimeSpan DialFailed(PeerId peer, long now, TimeSpan first, TimeSpan max, TimeProvider clock)
    {
        lock (_gate)
        {
            var entry = Touch(peer);
            entry.Failures = Math.Min(entry.Failures + 1, 30);
            double seconds = Math.Min(first.TotalSeconds * Math.Pow(2, entry.Failures - 1), max.TotalSeconds);
            var backoff = TimeSpan.FromSeconds(seconds);
            entry.BackoffUntil = now + (long)(backoff.TotalSeconds * clock.TimestampFrequency);
            return backoff;
        }
    }

    public void DialSucceeded(PeerId peer)
    {
        lock (_gate)
        {
            var entry = Touch(peer);
            entry.Failures = 0;
            entry.BackoffUntil = 0;
        }
    }

    private Entry Touch(PeerId peer)
    {
        if (_peers.TryGetValue(peer, out var entry))
        {
            _recency.MoveToNewest(entry);
            return entry;
        }

        if (_peers.Count >= maxPeers && _recency.Oldest is { } oldest)
        {
            _recency.Remove(oldest);
            _peers.Remove(oldest.Peer);
        }

        entry = new Entry(peer);
        _peers[peer] = entry;
        _recency.AddNewest(entry);
        return entry;
    }

    private sealed class Entry(PeerId peer) : RecencyNode<Entry>
    {
        public PeerId Peer { get; } = peer;

        public List<Multiaddr> Addresses { get; } = [];

        public PeerIdentity? Identity { get; set; }

        public int Failures { get; set; }

        public long BackoffUntil { get; set; }
    }
}
