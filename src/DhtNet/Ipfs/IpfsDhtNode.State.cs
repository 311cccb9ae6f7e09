using DhtNet.Internal;
using DhtNet.Ipfs.Records;
using DhtNet.LibP2p;
using DhtNet.LibP2p.Crypto;
using DhtNet.LibP2p.Multiformats;

namespace DhtNet.Ipfs;

// The state-store and keep-publishing surface of the node (see IpfsState and IpnsPublisher).
public sealed partial class IpfsDhtNode
{
    private static readonly TimeSpan RepublishRetry = TimeSpan.FromMinutes(5);

    private readonly Lock _restoreLock = new();
    private Task? _restore;

    // Contacts read back from the state: seeds of the next join, counted as saved until it ends.
    private IpfsContact[] _restored = [];
    private Task _republishing = Task.CompletedTask;

    /// <summary>The republishes the last pass started (tests run the virtual clock until they are done).</summary>
    internal Task Republishing => Volatile.Read(ref _republishing);

    /// <summary>The IPNS names this node publishes and keeps alive (<see cref="PublishAsync"/>).</summary>
    public IReadOnlyList<PeerId> PublishedNames => _ipns.Names;

    /// <summary>True when this node provides <paramref name="cid"/> and keeps announcing it (<see cref="ProvideAsync(Cid, CancellationToken)"/>, or restored).</summary>
    public bool IsProviding(Cid cid)
    {
        ArgumentNullException.ThrowIfNull(cid);
        return _reprovide.Contains(cid.Multihash.Bytes.Span);
    }

    /// <summary>
    /// Reads the saved state from <see cref="IpfsDhtNodeOptions.StateStore"/> (once; later calls
    /// return the same task): the unexpired provider records and records other peers stored on us
    /// (records validated again), the keys we provide with when each is next due, the IPNS names we
    /// publish, and the routing-table contacts, which seed the next join (<see cref="BootstrapAsync"/>,
    /// or the rejoin of an empty table). Does nothing without a store.
    /// </summary>
    public Task RestoreStateAsync(CancellationToken cancellationToken = default)
    {
        if (_state is not { } state)
        {
            return Task.CompletedTask;
        }

        lock (_restoreLock)
        {
            return _restore ??= RestoreCoreAsync(state, cancellationToken);
        }
    }

    /// <summary>Restores the saved state (<see cref="RestoreStateAsync"/>), then <see cref="Start"/>s the node.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        await RestoreStateAsync(cancellationToken).ConfigureAwait(false);
        Start();
    }

    /// <summary>
    /// Publishes <paramref name="value"/> (for example <c>/ipfs/&lt;cid&gt;</c> as UTF-8) under the IPNS
    /// name of <paramref name="key"/>, here and on the k peers closest to it, and keeps it alive: the
    /// record is valid for 48 h and signed and put again every 4 h (as kubo does), also across
    /// restarts with a <see cref="IpfsDhtNodeOptions.StateStore"/>, which keeps <paramref name="key"/> as a secret
    /// (unless it is <see cref="IpfsDhtNodeOptions.IdentityKey"/>) so the restarted node can sign the name again.
    /// The sequence is the best known record's when its value is the same, else one past it. Returns how many
    /// peers stored it. Throws <see cref="InvalidOperationException"/>, before anything is saved or put, when
    /// <see cref="IpfsDhtNodeOptions.MaxPublishedNames"/> names are kept already.
    /// </summary>
    public async Task<int> PublishAsync(PrivateKey key, ReadOnlyMemory<byte> value, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        var name = key.PeerId;
        _ipns.CheckRoom(name);
        if (_state is { } state && !_ipns.HasKey(name))
        {
            // Saved before the name is recorded as published: a restart never finds a name without its key.
            await state.SaveNameKeyAsync(key, cancellationToken).ConfigureAwait(false);
        }

        byte[] recordKey = IpnsRecord.KeyFor(name);
        byte[]? current = _records.Get(recordKey)?.Value.ToArray() ?? await GetAsync(recordKey, cancellationToken).ConfigureAwait(false);
        byte[] record = _ipns.Publish(key, value.Span, current is null ? null : IpnsRecord.Parse(current));
        return await PutAsync(recordKey, record, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Stops republishing the IPNS name <paramref name="name"/>; its records expire on their own.</summary>
    public bool StopPublishing(PeerId name) => _ipns.Remove(name);

    private async Task RestoreCoreAsync(IpfsState persisted, CancellationToken cancellationToken)
    {
        var state = await persisted.LoadAsync(_options, cancellationToken).ConfigureAwait(false);
        var contacts = persisted.Contacts(state);
        foreach (var contact in contacts)
        {
            _addressBook.Add(contact.Id, contact.Multiaddrs);
        }

        Volatile.Write(ref _restored, [.. contacts.Select(IpfsContact.From)]);
        int providers = persisted.RestoreProviders(state, _providers);
        int records = persisted.RestoreRecords(state, _records);
        int publications = persisted.RestorePublications(state, _reprovide, _ipns);
        await RestoreNameKeysAsync(persisted, cancellationToken).ConfigureAwait(false);

        // Names are republished soon after a start, as kubo does: while we were away the peers
        // closest to a name may have changed, and a record put during the crash may not have landed.
        foreach (var name in _ipns.Names)
        {
            _ipns.Schedule.Retry(name.Bytes.Span, TimeSpan.Zero);
        }

        Log.StateRestored(_logger, contacts.Count, providers, records, publications, persisted.Skipped);
    }

    /// <summary>Takes back the saved key of each restored name not signed by the node's own identity key.</summary>
    private async Task RestoreNameKeysAsync(IpfsState persisted, CancellationToken cancellationToken)
    {
        foreach (var name in _ipns.Names)
        {
            if (_ipns.HasKey(name))
            {
                continue;
            }

            if (await persisted.LoadNameKeyAsync(name, cancellationToken).ConfigureAwait(false) is { } key)
            {
                _ipns.AddKey(key);
            }
            else
            {
                Log.NameKeyMissing(_logger, name);
            }
        }
    }

    /// <summary>The contacts read back from the state while they wait for the join.</summary>
    private IpfsContact[] RestoredContacts() => Volatile.Read(ref _restored);

    private IpfsContact[]? WithRestoredContacts(IpfsContact[]? seeds) =>
        seeds is null || RestoredContacts() is not { Length: > 0 } restored ? seeds : [.. seeds, .. restored];

    /// <summary>A join ended: the restored contacts that answered are in the table now; what is due goes out.</summary>
    private void Joined()
    {
        ForgetRestoredContacts();
        RepublishDue();
    }

    private void RepublishDue()
    {
        if (_table.Count == 0)
        {
            // Nowhere to put it yet: it stays due for the next pass.
            return;
        }

        var due = _ipns.TakeDue(16);
        if (due.Count == 0)
        {
            return;
        }

        var republishes = new Task[due.Count];
        for (int i = 0; i < republishes.Length; i++)
        {
            republishes[i] = RepublishAsync(due[i].Name, due[i].Record);
            republishes[i].Observe(_logger, "IPNS republish");
        }

        Volatile.Write(ref _republishing, Task.WhenAll(republishes));
    }

    private async Task RepublishAsync(PeerId name, byte[] record)
    {
        if (await PutAsync(IpnsRecord.KeyFor(name), record, _stopping.Token).ConfigureAwait(false) == 0)
        {
            Log.RepublishUnheard(_logger, name);
            _ipns.Schedule.Retry(name.Bytes.Span, RepublishRetry);
        }
    }

    /// <summary>
    /// Once the table holds peers (joined, or filled by peers that asked us), restored contacts are seeds no more
    /// and the next snapshot forgets those the table did not take, so saved contacts never pile up.
    /// </summary>
    private void ForgetRestoredContacts()
    {
        if (_table.Count > 0)
        {
            Volatile.Write(ref _restored, []);
        }
    }

    /// <summary>Records the routing table as it is now; restored contacts not yet asked again stay saved.</summary>
    private void SaveContacts() => _state?.SnapshotContacts(_table.Export(), forgetGone: RestoredContacts().Length == 0);
}
