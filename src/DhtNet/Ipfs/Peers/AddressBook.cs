using DhtNet.LibP2p;

namespace DhtNet.Ipfs.Peers;

/// <summary>
/// Peers' addresses as learnt from replies, identify and announcements (the go peerstore's address
/// book): per peer a bounded set of multiaddrs, each with its own expiry, so stale addresses age
/// out. Bounded by peers (least recently used peer makes room) and by addresses per peer (the
/// address expiring soonest makes room). Thread-safe; runs no timers (the node calls <see cref="Purge"/>).
/// </summary>
public sealed class AddressBook
{
    private const int PeerOverheadBytes = 96;
    private const int AddressOverheadBytes = 48;

    private readonly TimeProvider _timeProvider;
    private readonly object _lock = new();
    private readonly BoundedLru<PeerId, List<Entry>> _peers;

    /// <param name="timeProvider">Clock for expiry.</param>
    /// <param name="maxPeers">Peers kept at most.</param>
    /// <param name="maxAddressesPerPeer">Addresses kept per peer.</param>
    /// <param name="maxBytes">Estimated bytes kept at most.</param>
    public AddressBook(TimeProvider timeProvider, int maxPeers = 16_384, int maxAddressesPerPeer = 16, long maxBytes = 16L << 20)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxAddressesPerPeer, 1);
        _timeProvider = timeProvider;
        MaxAddressesPerPeer = maxAddressesPerPeer;
        _peers = new BoundedLru<PeerId, List<Entry>>(maxPeers, maxBytes);
    }

    /// <summary>How long addresses learnt from a peer's reply are kept unless said otherwise: 30 min, kubo's routing table refresh period.</summary>
    public static TimeSpan DefaultLifetime { get; } = TimeSpan.FromMinutes(30);

    public int MaxAddressesPerPeer { get; }

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _peers.Count;
            }
        }
    }

    /// <summary>Adds <paramref name="addrs"/> for <paramref name="peer"/>, each kept for <paramref name="lifetime"/> (or longer if already known for longer).</summary>
    public void Add(PeerId peer, IEnumerable<Multiaddr> addrs, TimeSpan? lifetime = null)
    {
        ArgumentNullException.ThrowIfNull(addrs);
        if (peer.IsEmpty)
        {
            throw new ArgumentException("The empty peer id has no addresses.", nameof(peer));
        }

        var expires = _timeProvider.GetUtcNow() + (lifetime ?? DefaultLifetime);
        lock (_lock)
        {
            if (!_peers.TryGet(peer, out var list))
            {
                list = [];
            }

            foreach (var addr in addrs)
            {
                var index = list.FindIndex(e => e.Addr == addr);
                if (index >= 0)
                {
                    if (list[index].Expires < expires)
                    {
                        list[index] = new Entry(addr, expires);
                    }

                    continue;
                }

                if (list.Count >= MaxAddressesPerPeer)
                {
                    var soonest = 0;
                    for (var i = 1; i < list.Count; i++)
                    {
                        soonest = list[i].Expires < list[soonest].Expires ? i : soonest;
                    }

                    if (list[soonest].Expires >= expires)
                    {
                        continue; // every kept address outlives this one
                    }

                    list.RemoveAt(soonest);
                }

                list.Add(new Entry(addr, expires));
            }

            if (list.Count > 0)
            {
                _peers.Set(peer, list, SizeOf(peer, list));
            }
        }
    }

    /// <summary>The unexpired addresses of <paramref name="peer"/>; empty when none are known.</summary>
    public IReadOnlyList<Multiaddr> Get(PeerId peer)
    {
        var now = _timeProvider.GetUtcNow();
        lock (_lock)
        {
            if (!_peers.TryGet(peer, out var list))
            {
                return [];
            }

            if (list.RemoveAll(e => e.Expires <= now) > 0)
            {
                if (list.Count == 0)
                {
                    _peers.Remove(peer);
                    return [];
                }

                _peers.Set(peer, list, SizeOf(peer, list));
            }

            var result = new Multiaddr[list.Count];
            for (var i = 0; i < result.Length; i++)
            {
                result[i] = list[i].Addr;
            }

            return result;
        }
    }

    public bool Remove(PeerId peer)
    {
        lock (_lock)
        {
            return _peers.Remove(peer);
        }
    }

    /// <summary>
    /// Drops expired addresses and peers left without any; returns the peers dropped.
    /// Lists that only shrink keep their byte estimate until next touched: an overestimate, so the
    /// bound still holds.
    /// </summary>
    public int Purge()
    {
        var now = _timeProvider.GetUtcNow();
        lock (_lock)
        {
            return _peers.RemoveWhere((_, list) =>
            {
                list.RemoveAll(e => e.Expires <= now);
                return list.Count == 0;
            });
        }
    }

    private static long SizeOf(PeerId peer, List<Entry> list)
    {
        long size = PeerOverheadBytes + peer.Bytes.Length;
        foreach (var entry in list)
        {
            size += AddressOverheadBytes + entry.Addr.Bytes.Length;
        }

        return size;
    }

    private readonly record struct Entry(Multiaddr Addr, DateTimeOffset Expires);
}
