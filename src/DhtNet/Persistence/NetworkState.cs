namespace DhtNet.Persistence;

/// <summary>
/// What every network's state keeping does the same way (the Mainline node's and the IPFS node's):
/// which routing-table contacts are saved and which of them to forget at a snapshot, the saved
/// entries put back oldest first with the lifetime they had left, expiry on the wall clock of a
/// change journaled on the monotonic one, our own publications, and the journals that go with the node.
/// </summary>
/// <typeparam name="TId">How the network names a contact (its node id or peer id).</typeparam>
/// <typeparam name="TContact">A routing-table contact.</typeparam>
internal abstract class NetworkState<TId, TContact> : IDisposable
    where TId : notnull
{
    private readonly Lock _contactsLock = new();
    private readonly string _network;
    private readonly List<IDisposable> _journals = [];
    private HashSet<TId> _savedContacts = [];

    protected NetworkState(IDhtStateStore store, TimeProvider time, string network)
    {
        Store = store;
        Time = time;
        _network = network;
    }

    /// <summary>Entries in the state that could not be read (wrong sizes): a file from another program or a damaged one.</summary>
    public int Skipped { get; protected set; }

    protected IDhtStateStore Store { get; }

    protected TimeProvider Time { get; }

    /// <summary>Records a contact the routing table took in.</summary>
    public void ContactAdded(TContact contact)
    {
        lock (_contactsLock)
        {
            _savedContacts.Add(IdOf(contact));
        }

        Store.RecordContact(_network, Save(contact, Time.GetUtcNow()));
    }

    /// <summary>
    /// Records the routing table as it is now; unless <paramref name="forgetGone"/> is false, forgets
    /// the saved contacts it no longer holds (false while restored contacts wait to be asked again).
    /// </summary>
    public void SnapshotContacts(IReadOnlyList<TContact> contacts, bool forgetGone = true)
    {
        var now = Time.GetUtcNow();
        var current = new HashSet<TId>(contacts.Count);
        foreach (var contact in contacts)
        {
            current.Add(IdOf(contact));
            Store.RecordContact(_network, Save(contact, now));
        }

        HashSet<TId> previous;
        lock (_contactsLock)
        {
            previous = _savedContacts;
            if (!forgetGone)
            {
                previous.UnionWith(current);
                return;
            }

            _savedContacts = current;
        }

        foreach (var gone in previous)
        {
            if (!current.Contains(gone))
            {
                Store.RemoveContact(_network, IdBytes(gone));
            }
        }
    }

    public void RecordPublication(SavedPublication publication) => Store.RecordPublication(_network, publication);

    public void RemovePublication(string kind, byte[] key) => Store.RemovePublication(_network, kind, key);

    public Task FlushAsync(CancellationToken cancellationToken) => Store.FlushAsync(cancellationToken);

    /// <summary>Closes this node's journals: the store records what they hold at its next flush and then forgets them.</summary>
    public void Dispose()
    {
        foreach (IDisposable journal in _journals)
        {
            journal.Dispose();
        }
    }

    /// <summary>A journal of the store's (see <see cref="IDhtStateStore.CreateJournal{T}"/>), closed when this state is disposed.</summary>
    protected StateJournal<T> CreateJournal<T>(Action<T> record)
        where T : struct
    {
        StateJournal<T> journal = Store.CreateJournal(record);
        _journals.Add(journal);
        return journal;
    }

    protected abstract TId IdOf(TContact contact);

    protected abstract byte[] IdBytes(TId id);

    protected abstract SavedContact Save(TContact contact, DateTimeOffset now);

    /// <summary>A contact read back from the state: it counts as saved until a snapshot no longer holds it.</summary>
    protected void ContactRestored(TId id)
    {
        lock (_contactsLock)
        {
            _savedContacts.Add(id);
        }
    }

    // The state lists entries latest expiry first; they go back oldest first, as if stored one
    // lifetime before they expire. `restore` says null for an entry it cannot read.
    protected int RestoreOldestFirst<T>(IReadOnlyList<T> saved, TimeSpan lifetime, Func<T, DateTimeOffset> expires, Func<T, long, bool?> restore)
    {
        int restored = 0;
        var now = Time.GetUtcNow();
        long timestamp = Time.GetTimestamp();
        for (int i = saved.Count - 1; i >= 0; i--)
        {
            switch (restore(saved[i], StoredAt(expires(saved[i]), now, timestamp, lifetime, Time.TimestampFrequency)))
            {
                case null:
                    Skipped++;
                    break;
                case true:
                    restored++;
                    break;
            }
        }

        return restored;
    }

    // A change journaled at `timestamp` (monotonic) expires one lifetime after it, on the wall clock.
    protected DateTimeOffset Expires(long timestamp, TimeSpan lifetime) =>
        Time.GetUtcNow() - Time.GetElapsedTime(timestamp) + lifetime;

    // A saved entry that expires at `expires` is put back as if stored one lifetime before that,
    // on the store's monotonic clock; never later than now (a lifetime configured shorter since).
    private static long StoredAt(DateTimeOffset expires, DateTimeOffset now, long timestamp, TimeSpan lifetime, long frequency)
    {
        var age = lifetime - (expires - now);
        if (age < TimeSpan.Zero)
        {
            age = TimeSpan.Zero;
        }

        return timestamp - (long)(age.TotalSeconds * frequency);
    }
}
