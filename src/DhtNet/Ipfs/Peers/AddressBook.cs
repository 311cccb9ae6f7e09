using DhtNet.LibP2p;

namespace DhtNet.Ipfs.Peers;

/// <summary>
/// Peers' addresses as learnt from replies, identify and announcements (the go peerstore's address
/// book): per peer a bounded set of multiaddrs, each with its own expiry, so stale addresses age
/// out. Bounded by peers (least recently used peer makes room) and by addresses per peer (the
/// address expiring soonest makes room). Thread-safe; runs no timers (the node calls <see cref="Purge"/>).
/// Addresses come first hand (<see cref="Replace"/>: the peer's own list, from identify or its request) or
/// second hand (<see cref="Add"/>: another peer's reply); while a first-hand list is fresh it replaces what
/// others claim, so a peer that moved is not dialled at its old address on a third party's word.
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

    /// <summary>
    /// Adds <paramref name="addrs"/> for <paramref name="peer"/> as another peer reported them, each kept for
    /// <paramref name="lifetime"/> (or longer if already known for longer); ignored while the peer's own list
    /// (<see cref="Replace"/>) is fresh, except that addresses on that list are kept longer.
    /// </summary>
    public void Add(PeerId peer, IEnumerable<Multiaddr> addrs, TimeSpan? lifetime = null) => Merge(peer, addrs, lifetime, firstHand: false);

    /// <summary>
    /// Sets <paramref name="addrs"/> as the addresses of <paramref name="peer"/> by its own word (identify, or
    /// the listen addresses of a peer that sent us a request): addresses it no longer lists are dropped, and
    /// second-hand ones are ignored until this list expires after <paramref name="lifetime"/>.
    /// </summary>
    public void Replace(PeerId peer, IEnumerable<Multiaddr> addrs, TimeSpan? lifetime = null)
    {
        ArgumentNullException.ThrowIfNull(addrs);
        var fresh = addrs as IReadOnlyCollection<Multiaddr> ?? [.. addrs];
        lock (_lock)
        {
            if (_peers.TryGet(peer, out var list))
            {
                list.RemoveAll(e => !fresh.Contains(e.Addr));
                if (list.Count == 0)
                {
                    _peers.Remove(peer);
                }
            }

            Merge(peer, fresh, lifetime, firstHand: true);
        }
    }

    private void Merge(PeerId peer, IEnumerable<Multiaddr> addrs, TimeSpan? lifetime, bool firstHand)
    {
        ArgumentNullException.ThrowIfNull(addrs);
        if (peer.IsEmpty)
        {
            throw new ArgumentException("The empty peer id has no addresses.", nameof(peer));
        }

        var now = _timeProvider.GetUtcNow();
        var expires = now + (lifetime ?? DefaultLifetime);
        lock (_lock)
        {
            if (!_peers.TryGet(peer, out var list))
            {
                list = [];
            }

            bool ownListFresh = !firstHand && list.Exists(e => e.FirstHand && e.Expires > now);
            foreach (var addr in addrs)
            {
                var index = list.FindIndex(e => e.Addr == addr);
                if (index >= 0)
                {
                    if (list[index].Expires < expires || firstHand)
                    {
                        list[index] = new Entry(addr, list[index].Expires < expires ? expires : list[index].Expires, firstHand || list[index].FirstHand);
                    }

                    continue;
                }

                if (ownListFresh)
                {
                    continue; // the peer's own list is fresh: a second-hand address it does not list is stale or made up
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

                list.Add(new Entry(addr, expires, firstHand));
            }

            if (list.Count > 0)
            {
                _peers.Set(peer, list, SizeOf(peer, list));
            }
        }
    }

    /// <summary>The unexpired addresses of <paramref name="peer"/>; empty when none are known.</summary>
    public IReadOnlyList<Multiaddr> Get(PeerId peer) => Get(peer, firstHandOnly: false);

    /// <summary>The unexpired addresses <paramref name="peer"/> itself gave (<see cref="Replace"/>); empty when its own list is stale or unknown.</summary>
    internal IReadOnlyList<Multiaddr> GetOwn(PeerId peer) => Get(peer, firstHandOnly: true);

    private IReadOnlyList<Multiaddr> Get(PeerId peer, bool firstHandOnly)
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

            var result = new List<Multiaddr>(list.Count);
            foreach (var entry in list)
            {
                if (entry.FirstHand || !firstHandOnly)
                {
                    result.Add(entry.Addr);
                }
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

    private readonly record struct Entry(Multiaddr Addr, DateTimeOffset Expires, bool FirstHand);
}
