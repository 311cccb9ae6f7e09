using System.Collections.Concurrent;

namespace DhtNet.Persistence;

/// <summary>
/// Changes kept in a compact form of the recorder's choosing until the next flush. Appending is
/// lock-free, O(1) and (for a struct without references) allocation-free, so the serving path pays
/// almost nothing to keep state; the store drains the journal on its flushing thread, just before
/// each write, turning every change into a record there. Bounded: past its capacity a change is
/// dropped and counted with the store's <see cref="IDhtStateStore.DroppedChanges"/>.
/// Get one from <see cref="IDhtStateStore.CreateJournal{T}"/>.
/// </summary>
/// <typeparam name="T">One change, for example an infohash, a compact peer and a timestamp.</typeparam>
public sealed class StateJournal<T> : IStateJournal
    where T : struct
{
    private readonly ConcurrentQueue<T> _changes = new();
    private readonly Action<T> _record;
    private readonly int _capacity;
    private int _count;
    private long _dropped;

    /// <param name="capacity">Most changes waiting at once.</param>
    /// <param name="record">Turns one change into records in the store; runs on the draining thread.</param>
    public StateJournal(int capacity, Action<T> record)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentNullException.ThrowIfNull(record);
        _capacity = capacity;
        _record = record;
    }

    /// <summary>Changes appended while the journal was full.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Changes waiting for the next drain.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>Appends a change; false (and counted in <see cref="Dropped"/>) when the journal is full.</summary>
    public bool Append(in T change)
    {
        if (Interlocked.Increment(ref _count) > _capacity)
        {
            Interlocked.Decrement(ref _count);
            Interlocked.Increment(ref _dropped);
            return false;
        }

        _changes.Enqueue(change);
        return true;
    }

    /// <summary>
    /// Records every change appended before the call, oldest first (changes appended meanwhile may
    /// be taken too, or wait for the next drain). One thread drains at a time: the store's flush.
    /// </summary>
    public int Drain()
    {
        int drained = 0;
        for (int waiting = Volatile.Read(ref _count); drained < waiting && _changes.TryDequeue(out T change); drained++)
        {
            Interlocked.Decrement(ref _count);
            _record(change);
        }

        return drained;
    }
}

/// <summary>What a store needs of its journals, whatever they hold.</summary>
internal interface IStateJournal
{
    long Dropped { get; }

    int Drain();
}
