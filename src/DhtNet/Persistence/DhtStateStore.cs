using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace DhtNet.Persistence;

/// <summary>
/// The batching both state stores share: changes wait in one bounded dictionary keyed by entry (a
/// newer change to an entry replaces the older one), and a flush hands the whole dictionary to the
/// store to write in one transaction while recording goes on into a fresh one.
/// </summary>
public abstract partial class DhtStateStore : IDhtStateStore
{
    private readonly DhtStateStoreOptions _options;
    private readonly Lock _pendingLock = new();
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly CancellationTokenSource _stopping = new();
    private Dictionary<StateKey, object?> _pending = [];
    private Dictionary<StateKey, object?>? _spare;
    private IStateJournal[] _journals = [];
    private long _dropped;
    private long _droppedReported;
    private Task _flushLoop = Task.CompletedTask;
    private int _disposed;

    private protected DhtStateStore(DhtStateStoreOptions? options, ILogger? logger, TimeProvider? timeProvider)
    {
        _options = options ?? new DhtStateStoreOptions();
        _options.Validate();
        Logger = logger ?? NullLogger.Instance;
        TimeProvider = timeProvider ?? TimeProvider.System;
    }

    /// <inheritdoc/>
    public long DroppedChanges
    {
        get
        {
            long dropped = Interlocked.Read(ref _dropped);
            foreach (IStateJournal journal in Volatile.Read(ref _journals))
            {
                dropped += journal.Dropped;
            }

            return dropped;
        }
    }

    private protected ILogger Logger { get; }

    private protected TimeProvider TimeProvider { get; }

    /// <summary>Journals the store drains: those open, and those closed since the last flush.</summary>
    internal int JournalCount => Volatile.Read(ref _journals).Length;

    /// <summary>Distinct entries waiting for the next write.</summary>
    internal int PendingCount
    {
        get
        {
            lock (_pendingLock)
            {
                return _pending.Count;
            }
        }
    }

    public StateJournal<T> CreateJournal<T>(Action<T> record)
        where T : struct
    {
        var journal = new StateJournal<T>(_options.MaxPendingChanges, record);
        lock (_pendingLock)
        {
            _journals = [.. _journals, journal];
        }

        return journal;
    }

    public void RecordNodeId(string network, string slot, byte[] id)
    {
        ArgumentNullException.ThrowIfNull(slot);
        ArgumentNullException.ThrowIfNull(id);
        Record(new StateKey(StateKind.NodeId, network, slot, []), id);
    }

    public void RecordContact(string network, SavedContact contact) =>
        Record(new StateKey(StateKind.Contact, network, null, NotNull(contact).Id), contact);

    public void RemoveContact(string network, byte[] id) =>
        Record(new StateKey(StateKind.Contact, network, null, id), null);

    public void RecordPeer(string network, SavedPeer peer)
    {
        CheckPacked(StateKind.Peer, NotNull(peer).InfoHash, peer.Address, "infoHash", "address");
        Record(new StateKey(StateKind.Peer, network, null, peer.InfoHash, peer.Address), peer);
    }

    public void RemovePeer(string network, byte[] infoHash, byte[] address)
    {
        CheckPacked(StateKind.Peer, infoHash, address, nameof(infoHash), nameof(address));
        Record(new StateKey(StateKind.Peer, network, null, infoHash, address), null);
    }

    public void RecordItem(string network, SavedItem item)
    {
        CheckPacked(StateKind.Item, NotNull(item).Target, item.Item, "target", "item");
        Record(new StateKey(StateKind.Item, network, null, item.Target), item);
    }

    public void RemoveItem(string network, byte[] target)
    {
        CheckPacked(StateKind.Item, target, [], nameof(target), "item");
        Record(new StateKey(StateKind.Item, network, null, target), null);
    }

    public void RecordProvider(string network, SavedProviderRecord provider) =>
        Record(new StateKey(StateKind.Provider, network, null, NotNull(provider).Key, provider.ProviderId), provider);

    public void RemoveProvider(string network, byte[] key, byte[] providerId) =>
        Record(new StateKey(StateKind.Provider, network, null, key, providerId), null);

    public void RecordValue(string network, SavedRecord record) =>
        Record(new StateKey(StateKind.Record, network, null, NotNull(record).Key), record);

    public void RemoveValue(string network, byte[] key) =>
        Record(new StateKey(StateKind.Record, network, null, key), null);

    public void RecordPublication(string network, SavedPublication publication) =>
        Record(new StateKey(StateKind.Publication, network, NotNull(publication).Kind, publication.Key), publication);

    public void RemovePublication(string network, string kind, byte[] key)
    {
        ArgumentNullException.ThrowIfNull(kind);
        Record(new StateKey(StateKind.Publication, network, kind, key), null);
    }

    public Task SaveIdentityKeyAsync(string network, string name, ReadOnlyMemory<byte> key, CancellationToken cancellationToken = default)
    {
        CheckKeyName(network, nameof(network));
        CheckKeyName(name, nameof(name));
        ArgumentOutOfRangeException.ThrowIfZero(key.Length, nameof(key));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(key.Length, SecretFile.MaxSize, nameof(key));
        return SaveKeyAsync(network, name, key, cancellationToken);
    }

    public Task<byte[]?> LoadIdentityKeyAsync(string network, string name, CancellationToken cancellationToken = default)
    {
        CheckKeyName(network, nameof(network));
        CheckKeyName(name, nameof(name));
        return LoadKeyAsync(network, name, cancellationToken);
    }

    public Task FlushAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        return FlushUnlessStoppedAsync(cancellationToken);
    }

    private async Task FlushUnlessStoppedAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            FlushHoldingGate();
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task<DhtState> LoadAsync(string network, DhtStateLimits limits, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(limits);
        limits.Validate();
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            FlushHoldingGate();
            return Read(network, limits, TimeProvider.GetUtcNow());
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Stops the periodic flush, writes what is waiting, and closes the store; changes recorded afterwards are not written.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        await _flushLoop.ConfigureAwait(false);
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            FlushHoldingGate();
        }
        catch (Exception error)
        {
            Log.FinalFlushFailed(Logger, error);
        }
        finally
        {
            Close();
            _gate.Release();
            _stopping.Dispose();
        }

        GC.SuppressFinalize(this);
    }

    /// <summary>
    /// Starts the periodic flush, on a thread of its own at low priority: encoding, SQLite and the
    /// disk then take what the serving threads leave over instead of competing with them for the
    /// core. Called by a store once it is ready to write.
    /// </summary>
    private protected void StartFlushing()
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _flushLoop = done.Task;

        // The timer keeps the store's TimeProvider (tests drive it) and starts now, not when the thread runs.
        var timer = new PeriodicTimer(_options.FlushInterval, TimeProvider);
        var thread = new Thread(() =>
        {
            try
            {
                FlushThread.LowerPriority();
                RunFlushLoop(timer);
            }
            finally
            {
                timer.Dispose();
                done.SetResult();
            }
        })
        {
            IsBackground = true,
            Name = "DhtNet state flush",
        };
        thread.Start();
    }

    /// <summary>Writes one batch in one transaction: a null value removes the entry. Throws to keep the batch for the next attempt.</summary>
    private protected abstract void Write(Dictionary<StateKey, object?> batch, DateTimeOffset now);

    private protected abstract DhtState Read(string network, DhtStateLimits limits, DateTimeOffset now);

    private protected abstract Task SaveKeyAsync(string network, string name, ReadOnlyMemory<byte> key, CancellationToken cancellationToken);

    private protected abstract Task<byte[]?> LoadKeyAsync(string network, string name, CancellationToken cancellationToken);

    private protected abstract void Close();

    private void Record(StateKey key, object? value)
    {
        lock (_pendingLock)
        {
            ref object? slot = ref CollectionsMarshal.GetValueRefOrAddDefault(_pending, key, out bool exists);
            if (!exists && _pending.Count > _options.MaxPendingChanges)
            {
                _pending.Remove(key);
                _dropped++;
                return;
            }

            slot = value;
        }
    }

    private void FlushHoldingGate()
    {
        // Journaled changes join the batch here, on the flushing thread, not on the path that recorded them.
        List<IStateJournal>? closed = null;
        foreach (IStateJournal journal in Volatile.Read(ref _journals))
        {
            // Closed before this drain: nothing appended later is taken, so this drain is its last.
            if (journal.IsClosed)
            {
                (closed ??= []).Add(journal);
            }

            journal.Drain();
        }

        if (closed is not null)
        {
            ForgetJournals(closed);
        }

        Dictionary<StateKey, object?> batch;
        lock (_pendingLock)
        {
            if (_pending.Count == 0)
            {
                return;
            }

            batch = _pending;
            _pending = _spare ?? [];
            _spare = null;
        }

        ReportDropped();
        try
        {
            Write(batch, TimeProvider.GetUtcNow());
        }
        catch
        {
            KeepForNextAttempt(batch);
            throw;
        }

        batch.Clear();
        lock (_pendingLock)
        {
            _spare = batch;
        }
    }

    /// <summary>Lets drained, closed journals go (a store outlives the nodes that recorded into it); their drops stay counted.</summary>
    private void ForgetJournals(List<IStateJournal> closed)
    {
        lock (_pendingLock)
        {
            _journals = [.. _journals.Where(j => !closed.Contains(j))];
            foreach (IStateJournal journal in closed)
            {
                _dropped += journal.Dropped;
            }
        }
    }

    /// <summary>A failed batch goes back under the changes recorded since, which are newer and win.</summary>
    private void KeepForNextAttempt(Dictionary<StateKey, object?> batch)
    {
        lock (_pendingLock)
        {
            foreach ((StateKey key, object? value) in batch)
            {
                if (_pending.ContainsKey(key))
                {
                    continue;
                }

                if (_pending.Count >= _options.MaxPendingChanges)
                {
                    _dropped++;
                    continue;
                }

                _pending.Add(key, value);
            }
        }
    }

    private void ReportDropped()
    {
        long dropped = DroppedChanges;
        if (dropped != _droppedReported)
        {
            Log.ChangesDropped(Logger, dropped - _droppedReported, _options.MaxPendingChanges);
            _droppedReported = dropped;
        }
    }

    private void RunFlushLoop(PeriodicTimer timer)
    {
        try
        {
            while (timer.WaitForNextTickAsync(_stopping.Token).AsTask().GetAwaiter().GetResult())
            {
                try
                {
                    _gate.Wait(_stopping.Token);
                    try
                    {
                        FlushHoldingGate();
                    }
                    finally
                    {
                        _gate.Release();
                    }
                }
                catch (Exception error) when (error is not OperationCanceledException)
                {
                    Log.FlushFailed(Logger, PendingCount, error);
                }
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            // Disposal stopped the loop; it writes the last batch itself.
        }
    }

    private static T NotNull<T>(T value, [System.Runtime.CompilerServices.CallerArgumentExpression(nameof(value))] string? parameter = null)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(value, parameter);
        return value;
    }

    // Peers and items are packed with one-byte key lengths and peers with one-byte addresses (see
    // EntryBatch); Mainline's keys are 20 bytes, its addresses 6 or 18, its items about a kilobyte.
    private static void CheckPacked(StateKind kind, byte[] key, byte[] value, string keyName, string valueName)
    {
        ArgumentNullException.ThrowIfNull(key, keyName);
        ArgumentNullException.ThrowIfNull(value, valueName);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(key.Length, EntryBatch.MaxKeyLength, keyName);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(value.Length, EntryBatch.MaxValueLength(kind), valueName);
    }

    private static void CheckKeyName(string value, string parameter)
    {
        ArgumentNullException.ThrowIfNull(value, parameter);
        if (!KeyName().IsMatch(value))
        {
            throw new ArgumentException($"'{value}' is not a key name: use 1 to 64 lower-case letters, digits, '-' and '_', starting with a letter or digit.", parameter);
        }
    }

    // Key names become file names: nothing that can climb out of the key folder or clash by case.
    [GeneratedRegex("^[a-z0-9][a-z0-9_-]{0,63}$", RegexOptions.CultureInvariant)]
    private static partial Regex KeyName();
}
