using DhtNet.Mainline.Bep44;
using DhtNet.Persistence;
using DhtNet.Security;

namespace DhtNet.Mainline;

// The state-store and keep-providing surface of the node (see MainlineState and KeepProviding).
public sealed partial class DhtNode
{
    /// <summary>The infohashes this node keeps announcing (<see cref="StartProviding"/>).</summary>
    public IReadOnlyList<NodeId> ProvidedInfoHashes => _providing.InfoHashes;

    /// <summary>
    /// Reads the saved state from <see cref="DhtOptions.StateStore"/> (once; <see cref="StartAsync"/>
    /// does it when it was not called): the node id (unless <see cref="DhtOptions.NodeId"/> is set),
    /// the identity key (unless <see cref="DhtOptions.IdentityKey"/> is set; a new key is saved at
    /// once), the routing table, the unexpired peers and items stored on us, and what we keep
    /// providing. Call it before start to learn the restored <see cref="Id"/>. Does nothing without a store.
    /// </summary>
    public async Task RestoreStateAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_state == 2, this);
        if (_persisted is not { } persisted)
        {
            return;
        }

        // The first caller restores, outside the lock (restoring imports nodes, which takes it); a
        // second caller waits for the same restore.
        TaskCompletionSource? first = null;
        Task restore;
        lock (_lock)
        {
            if (_restore is null)
            {
                first = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _restore = first.Task;
            }

            restore = _restore;
        }

        if (first is null)
        {
            await restore.WaitAsync(cancellationToken).ConfigureAwait(false);
            return;
        }

        try
        {
            await RestoreCoreAsync(persisted, cancellationToken).ConfigureAwait(false);
            first.SetResult();
        }
        catch (Exception error)
        {
            first.SetException(error);
            throw;
        }
    }

    /// <summary>
    /// Announces <paramref name="infoHash"/> now and keeps announcing it, every 15 minutes (other
    /// nodes forget a peer after 30), until <see cref="StopProviding"/> or disposal; with a
    /// <see cref="DhtOptions.StateStore"/> it is saved and goes on after a restart. Before start, the
    /// first announce waits for start. <paramref name="port"/> null announces the port our packets
    /// come from (BEP 5 implied_port). At most 10,000 infohashes.
    /// </summary>
    public void StartProviding(NodeId infoHash, int? port = null, bool seed = false)
    {
        ObjectDisposedException.ThrowIf(_state == 2, this);
        if (port is { } p)
        {
            CheckPort(p, nameof(port));
        }

        _providing.Add(infoHash, port, seed);
    }

    /// <summary>Stops re-announcing <paramref name="infoHash"/>; returns whether it was being provided. Peers already announced expire on their own.</summary>
    public bool StopProviding(NodeId infoHash) => _providing.Remove(MainlineState.AnnounceKind, infoHash);

    /// <summary>The targets of the BEP 44 items this node keeps putting (<see cref="StartPutting(ReadOnlyMemory{byte})"/>).</summary>
    public IReadOnlyList<NodeId> KeptItems => _providing.ItemTargets;

    /// <summary>
    /// Puts the immutable BEP 44 item <paramref name="bencodedValue"/> (one canonical bencoded value of at most
    /// 1000 bytes) now and keeps putting it every hour (nodes drop an item about two hours after its last put)
    /// until <see cref="StopPutting"/> or disposal; with a <see cref="DhtOptions.StateStore"/> it is saved and put
    /// again soon after a restart, then hourly. Returns its target. At most <see cref="DhtOptions.MaxKeptItems"/> items
    /// (1,000 by default); one more throws <see cref="InvalidOperationException"/>.
    /// </summary>
    public NodeId StartPutting(ReadOnlyMemory<byte> bencodedValue)
    {
        ObjectDisposedException.ThrowIf(_state == 2, this);
        var item = KeptItem.Immutable(ItemRules.CheckCanonicalValue(bencodedValue, nameof(bencodedValue)));
        _providing.Add(item);
        return item.Key;
    }

    /// <summary>
    /// Puts the signed mutable item <paramref name="item"/> now and keeps putting it unchanged every hour, as
    /// <see cref="StartPutting(ReadOnlyMemory{byte})"/> does; a newer seq found out there ends it (logged). Put a
    /// new value under the same target to replace it.
    /// </summary>
    public void StartPutting(MutableItem item)
    {
        ObjectDisposedException.ThrowIf(_state == 2, this);
        ItemRules.CheckSignedItem(item, nameof(item));
        _providing.Add(KeptItem.Mutable(item));
    }

    /// <summary>
    /// Stores <paramref name="bencodedValue"/> as the mutable item of <paramref name="keyPair"/> under
    /// <paramref name="salt"/> (up to 64 bytes, empty for none) and keeps putting it hourly, as
    /// <see cref="StartPutting(MutableItem)"/> does, across restarts with a <see cref="DhtOptions.StateStore"/>. The
    /// seq is the best one known (found on the network, held here, or the one this node kept putting before a
    /// restart) when that item's value is the same — putting it again is a refresh — else one past it: a publisher
    /// restarted with an unchanged value keeps its seq, a changed value gets the next one. Throws
    /// <see cref="InvalidOperationException"/>, before any put, when <see cref="DhtOptions.MaxKeptItems"/> items are kept already.
    /// </summary>
    public async Task<PutResult> StartPuttingAsync(
        Ed25519KeyPair keyPair, ReadOnlyMemory<byte> bencodedValue, ReadOnlyMemory<byte> salt = default, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(keyPair);
        byte[] value = ItemRules.CheckCanonicalValue(bencodedValue, nameof(bencodedValue));
        ItemRules.CheckSalt(salt.Span, nameof(salt));
        var target = ItemRules.MutableTarget(keyPair.PublicKey.Span, salt.Span);
        _providing.CheckRoom(KeptItem.PublicationKind, target);
        var lastPut = (_providing.Find(KeptItem.PublicationKind, target) as KeptItem)?.Item;
        var result = await PutOperation.PutMutableAsync(Context, keyPair, value, salt, null, null, kept: true, lastPut, cancellationToken).ConfigureAwait(false);

        // Put just now: the next put is due in an hour, or at once when no node took this one.
        _providing.Add(KeptItem.Mutable(result.Item!), justDone: result.Stored > 0);
        return result;
    }

    /// <summary>
    /// IPFS-style put that lasts: <see cref="StartPuttingAsync(Ed25519KeyPair, ReadOnlyMemory{byte}, ReadOnlyMemory{byte}, CancellationToken)"/>
    /// with <see cref="IdentityKey"/> (which a state store keeps) and the UTF-8 of <paramref name="key"/> as the salt,
    /// as <see cref="PutAsync(string, ReadOnlyMemory{byte}, CancellationToken)"/> stores it.
    /// </summary>
    public Task<PutResult> StartPuttingAsync(string key, ReadOnlyMemory<byte> bencodedValue, CancellationToken cancellationToken = default) =>
        StartPuttingAsync(IdentityKey, bencodedValue, ItemRules.KeySalt(key, nameof(key)), cancellationToken);

    /// <summary>Stops putting the item at <paramref name="target"/> again; returns whether it was kept. Stored copies expire on their own.</summary>
    public bool StopPutting(NodeId target) => _providing.Remove(KeptItem.PublicationKind, target);

    private async Task RestoreCoreAsync(MainlineState persisted, CancellationToken cancellationToken)
    {
        var state = await persisted.LoadAsync(_options, _items.Options, KeepProviding.MaxProvided + _options.MaxKeptItems, cancellationToken).ConfigureAwait(false);
        if (_options.NodeId is null && MainlineState.SavedId(state) is { } id)
        {
            _initialId = id;
        }

        if (_options.IdentityKey is null)
        {
            var key = await persisted.LoadOrSaveIdentityAsync(() => IdentityKey, cancellationToken).ConfigureAwait(false);
            Volatile.Write(ref _identityKey, key);
        }

        var contacts = persisted.Contacts(state);
        ImportNodes(contacts);
        int peers = persisted.RestorePeers(state, _peers);
        int items = persisted.RestoreItems(state, _items);
        int provided = _providing.Restore(state.Publications);
        Log.StateRestored(_logger, _initialId, contacts.Count, peers, items, provided, persisted.Skipped);
    }

    // From here on what other nodes store on us, the tables and our id are recorded as they change.
    private void AttachState(DualStackTables tables)
    {
        if (_persisted is { } persisted)
        {
            persisted.RecordId(tables.Id);
            _peers.Observer = persisted;
            _items.Observer = persisted;
            _events.NodeAdded += (_, e) => persisted.ContactAdded(e.Node);
        }
    }

    private async Task SaveStateAsync()
    {
        if (_persisted is not { } persisted)
        {
            return;
        }

        try
        {
            if (_context is { } context)
            {
                persisted.Snapshot(context.Id, context.Tables.Export());
            }

            await persisted.FlushAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception error) when (error is DhtStateException or IOException or InvalidOperationException or ObjectDisposedException or Microsoft.Data.Sqlite.SqliteException)
        {
            Log.StateFlushFailed(_logger, error);
        }
    }
}
