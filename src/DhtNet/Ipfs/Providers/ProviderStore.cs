using DhtNet.LibP2p;

namespace DhtNet.Ipfs.Providers;

/// <summary>
/// The ADD_PROVIDER/GET_PROVIDERS datastore: per multihash the peers that announced it, with the
/// addresses they announced. Bounded by keys, providers per key, addresses per provider and bytes
/// (least recently used keys make room); records expire 48 h after their last announcement and
/// lose their addresses after 24 h. Thread-safe; runs no timers (the node calls <see cref="Purge"/>).
/// </summary>
public sealed class ProviderStore
{
    private const int KeyOverheadBytes = 128;
    private const int ProviderOverheadBytes = 96;

    private readonly ProviderStoreOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly object _lock = new();
    private readonly BoundedLru<ByteKey, List<Provider>> _keys;

    public ProviderStore(TimeProvider timeProvider)
        : this(new ProviderStoreOptions(), timeProvider)
    {
    }

    public ProviderStore(ProviderStoreOptions options, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        options.Validate();
        _options = options;
        _timeProvider = timeProvider;
        _keys = new BoundedLru<ByteKey, List<Provider>>(options.MaxKeys, options.MaxBytes);
    }

    public ProviderStoreOptions Options => _options;

    /// <summary>Told of every announcement taken (the node's state keeping); called under the store's lock.</summary>
    internal IProviderObserver? Observer { get; set; }

    /// <summary>Keys with at least one provider (expired ones count until touched or purged).</summary>
    public int KeyCount
    {
        get
        {
            lock (_lock)
            {
                return _keys.Count;
            }
        }
    }

    /// <summary>Estimated bytes held.</summary>
    public long Bytes
    {
        get
        {
            lock (_lock)
            {
                return _keys.Bytes;
            }
        }
    }

    /// <summary>
    /// Records <paramref name="provider"/> for <paramref name="key"/> (a multihash), replacing its
    /// earlier announcement. Checking that the key is a multihash and that the provider is the
    /// sender is the handler's job. False when the entry alone exceeds the byte bound.
    /// </summary>
    public bool Add(ReadOnlySpan<byte> key, PeerInfo provider)
    {
        ArgumentNullException.ThrowIfNull(provider);
        return Add(key, provider, _timeProvider.GetTimestamp(), Observer);
    }

    /// <summary>
    /// Puts back a saved announcement made at <paramref name="announcedAt"/> (a <see cref="TimeProvider.GetTimestamp"/>
    /// value); restored oldest first, the list keeps its announcement order and every bound holds.
    /// </summary>
    internal bool Restore(ReadOnlySpan<byte> key, PeerInfo provider, long announcedAt) =>
        _timeProvider.GetElapsedTime(announcedAt) < _options.ProviderLifetime && Add(key, provider, announcedAt, observer: null);

    private bool Add(ReadOnlySpan<byte> key, PeerInfo provider, long announcedAt, IProviderObserver? observer)
    {
        var addrs = new Multiaddr[Math.Min(provider.Multiaddrs.Count, _options.MaxAddressesPerProvider)];
        for (var i = 0; i < addrs.Length; i++)
        {
            addrs[i] = provider.Multiaddrs[i];
        }

        var entry = new Provider(provider.Id, addrs, announcedAt);
        var byteKey = new ByteKey(key);
        lock (_lock)
        {
            List<Provider> list;
            if (_keys.TryGet(byteKey, out var existing))
            {
                list = existing;
                var index = list.FindIndex(p => p.Id == provider.Id);
                if (index >= 0)
                {
                    list.RemoveAt(index);
                }
                else if (list.Count >= _options.MaxProvidersPerKey)
                {
                    list.RemoveAt(0); // announced longest ago: the list is kept in announcement order
                }
            }
            else
            {
                list = [];
            }

            list.Add(entry);
            if (!_keys.Set(byteKey, list, SizeOf(byteKey, list)))
            {
                return false;
            }

            observer?.ProviderAdded(byteKey.Bytes, provider.Id, addrs, announcedAt);
            return true;
        }
    }

    /// <summary>The live providers of <paramref name="key"/>, most recent announcement last; addresses only within their lifetime.</summary>
    public IReadOnlyList<PeerInfo> Get(ReadOnlySpan<byte> key)
    {
        var now = _timeProvider.GetTimestamp();
        var byteKey = new ByteKey(key);
        lock (_lock)
        {
            if (!_keys.TryGet(byteKey, out var list))
            {
                return [];
            }

            if (DropExpired(list, now) && !Resize(byteKey, list))
            {
                return [];
            }

            var result = new PeerInfo[list.Count];
            for (var i = 0; i < result.Length; i++)
            {
                var provider = list[i];
                var addressesLive = _timeProvider.GetElapsedTime(provider.Announced, now) < _options.AddressLifetime;
                result[i] = new PeerInfo(provider.Id, addressesLive ? provider.Addrs : []);
            }

            return result;
        }
    }

    /// <summary>
    /// Drops expired providers and keys left without any; returns the keys dropped.
    /// Lists that only shrink keep their byte estimate until next touched: an overestimate, so the
    /// bound still holds.
    /// </summary>
    public int Purge()
    {
        var now = _timeProvider.GetTimestamp();
        lock (_lock)
        {
            return _keys.RemoveWhere((_, list) => { DropExpired(list, now); return list.Count == 0; });
        }
    }

    /// <summary>True when some provider expired (the list is in announcement order, so they lead it).</summary>
    private bool DropExpired(List<Provider> list, long now)
    {
        var expired = 0;
        while (expired < list.Count && _timeProvider.GetElapsedTime(list[expired].Announced, now) >= _options.ProviderLifetime)
        {
            expired++;
        }

        list.RemoveRange(0, expired);
        return expired > 0;
    }

    /// <summary>Re-accounts a list that shrank; false when it became empty and the key went.</summary>
    private bool Resize(ByteKey key, List<Provider> list)
    {
        if (list.Count == 0)
        {
            _keys.Remove(key);
            return false;
        }

        return _keys.Set(key, list, SizeOf(key, list));
    }

    private static long SizeOf(ByteKey key, List<Provider> list)
    {
        long size = KeyOverheadBytes + key.Length;
        foreach (var provider in list)
        {
            size += ProviderOverheadBytes + provider.Id.Bytes.Length;
            foreach (var addr in provider.Addrs)
            {
                size += 32 + addr.Bytes.Length;
            }
        }

        return size;
    }

    private sealed record Provider(PeerId Id, Multiaddr[] Addrs, long Announced);
}

/// <summary>What the IPFS node's state keeping learns from its <see cref="ProviderStore"/>.</summary>
internal interface IProviderObserver
{
    /// <summary><paramref name="provider"/> announced <paramref name="key"/> at <paramref name="announcedAt"/> (a timestamp); it expires one provider lifetime later.</summary>
    void ProviderAdded(ReadOnlyMemory<byte> key, PeerId provider, Multiaddr[] addresses, long announcedAt);
}
