using Microsoft.Extensions.Logging;

namespace DhtNet.Persistence;

/// <summary>
/// A state store that keeps everything in this process: for tests, and for embedders who want no
/// files. Same contract as <see cref="SqliteStateStore"/> (changes become visible at a flush),
/// but nothing survives the process.
/// </summary>
public sealed class InMemoryStateStore : DhtStateStore
{
    private readonly Dictionary<StateKey, object> _saved = [];
    private readonly Dictionary<(string Network, string Name), byte[]> _keys = [];

    public InMemoryStateStore(DhtStateStoreOptions? options = null, ILogger? logger = null, TimeProvider? timeProvider = null)
        : base(options, logger, timeProvider)
    {
        StartFlushing();
    }

    private protected override void Write(Dictionary<StateKey, object?> batch, DateTimeOffset now)
    {
        foreach ((StateKey key, object? value) in batch)
        {
            if (value is null)
            {
                _saved.Remove(key);
            }
            else
            {
                _saved[key] = value;
            }
        }

        // Expired entries would never be loaded again; dropping them keeps memory to what is live.
        foreach ((StateKey key, object value) in _saved)
        {
            if (StateExpiry.Expires(value) is { } expires && expires <= now)
            {
                _saved.Remove(key);
            }
        }
    }

    private protected override DhtState Read(string network, DhtStateLimits limits, DateTimeOffset now)
    {
        var nodeIds = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach ((StateKey key, object value) in _saved)
        {
            if (key.Kind == StateKind.NodeId && key.Network == network)
            {
                nodeIds[key.Text!] = (byte[])value;
            }
        }

        return new DhtState
        {
            NodeIds = nodeIds,
            Contacts = Select<SavedContact>(network, StateKind.Contact, now, c => c.LastSeen.UtcTicks, limits.MaxContacts),
            Peers = Select<SavedPeer>(network, StateKind.Peer, now, p => p.Expires.UtcTicks, limits.MaxPeers, limits.MaxPeersPerInfoHash),
            Items = Select<SavedItem>(network, StateKind.Item, now, i => i.Expires.UtcTicks, limits.MaxItems),
            Providers = Select<SavedProviderRecord>(network, StateKind.Provider, now, p => p.Expires.UtcTicks, limits.MaxProviders, limits.MaxProvidersPerKey),
            Records = Select<SavedRecord>(network, StateKind.Record, now, r => r.Expires.UtcTicks, limits.MaxRecords),
            Publications = Select<SavedPublication>(network, StateKind.Publication, now, p => -p.NextDue.UtcTicks, limits.MaxPublications),
        };
    }

    private protected override Task SaveKeyAsync(string network, string name, ReadOnlyMemory<byte> key, CancellationToken cancellationToken)
    {
        lock (_keys)
        {
            _keys[(network, name)] = key.ToArray();
        }

        return Task.CompletedTask;
    }

    private protected override Task<byte[]?> LoadKeyAsync(string network, string name, CancellationToken cancellationToken)
    {
        lock (_keys)
        {
            return Task.FromResult(_keys.TryGetValue((network, name), out byte[]? key) ? (byte[]?)key.ToArray() : null);
        }
    }

    private protected override void Close()
    {
    }

    /// <summary>The live entries of one kind, selected as <see cref="StateSelection.Select"/> says.</summary>
    private List<T> Select<T>(string network, StateKind kind, DateTimeOffset now, Func<T, long> rank, int max, int maxPerFirstKey = int.MaxValue)
        where T : class
    {
        var rows = new List<(StateKey Key, T Value)>();
        foreach ((StateKey key, object value) in _saved)
        {
            if (key.Kind == kind && key.Network == network && (StateExpiry.Expires(value) is not { } expires || expires > now))
            {
                rows.Add((key, (T)value));
            }
        }

        return StateSelection.Select(rows, rank, max, maxPerFirstKey);
    }
}
