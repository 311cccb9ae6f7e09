namespace DhtNet.Persistence;

/// <summary>
/// Changes kept in a compact form of the recorder's choosing until the next flush. Appending is
/// lock-free, O(1) and (for a struct without references) allocation-free, so the serving path pays
/// almost nothing to keep state; the store drains the journal on its flushing thread, just before
/// each write, turning every change into a record there. Bounded: past its capacity a change is
/// dropped and counted with the store's <see cref="IDhtStateStore.DroppedChanges"/>.
/// Get one from <see cref="IDhtStateStore.CreateJournal{T}"/>, and dispose of it when its recorder
/// goes (a node that stops): the store records what is waiting at its next flush, then lets it go.
/// </summary>
/// <remarks>
/// A ring of slots, in chunks allocated the first time the ring reaches them, so the memory held is
/// at most the capacity's worth of slots however long the node runs (a <c>ConcurrentQueue</c>
/// grows its segments to a million slots, 64 MiB of large-object heap for a 56-byte change, and
/// drops them once read). A writer first takes a place in the count (refused past the capacity),
/// then a position; as no more than the capacity are ever counted, the slot at its position has been
/// read already or is being read (each slot's sequence says which: free for position p, or p's
/// change is in).
/// </remarks>
/// <typeparam name="T">One change, for example an infohash, a compact peer and a timestamp.</typeparam>
public sealed class StateJournal<T> : IStateJournal, IDisposable
    where T : struct
{
    // 1,024 slots a chunk: for a 56-byte change a chunk stays below the large-object threshold.
    private const int ChunkShift = 10;
    private const int ChunkSize = 1 << ChunkShift;

    private readonly Action<T> _record;
    private readonly int _capacity;
    private readonly long _ringSize;
    private readonly Slot[]?[] _chunks;
    private int _count;
    private long _tail;
    private long _head;
    private long _dropped;
    private int _closed;

    /// <param name="capacity">Most changes waiting at once.</param>
    /// <param name="record">Turns one change into records in the store; runs on the draining thread.</param>
    public StateJournal(int capacity, Action<T> record)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentNullException.ThrowIfNull(record);
        _capacity = capacity;
        _record = record;
        _chunks = new Slot[]?[(capacity + ChunkSize - 1) >> ChunkShift];
        _ringSize = (long)_chunks.Length << ChunkShift;
    }

    /// <summary>Changes appended while the journal was full.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Changes waiting for the next drain.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>Disposed: changes appended since are refused, and the store lets the journal go once drained.</summary>
    public bool IsClosed => Volatile.Read(ref _closed) != 0;

    /// <summary>
    /// Appends a change; false (and counted in <see cref="Dropped"/>) when the journal is full, and
    /// false once the journal is disposed (a change appended while it is being disposed may be lost).
    /// </summary>
    public bool Append(in T change)
    {
        if (IsClosed)
        {
            return false;
        }

        if (Interlocked.Increment(ref _count) > _capacity)
        {
            Interlocked.Decrement(ref _count);
            Interlocked.Increment(ref _dropped);
            return false;
        }

        long position = Interlocked.Increment(ref _tail) - 1;
        ref Slot slot = ref ChunkAt(position, allocate: true)![Index(position)];

        // The count keeps writers within one lap of the reader, so the slot is free or being read.
        var wait = default(SpinWait);
        while (Volatile.Read(ref slot.Sequence) != position)
        {
            wait.SpinOnce();
        }

        slot.Change = change;
        Volatile.Write(ref slot.Sequence, position + 1);
        return true;
    }

    /// <summary>
    /// Records every change appended before the call, oldest first (changes appended meanwhile may
    /// be taken too, or wait for the next drain). One thread drains at a time: the store's flush.
    /// </summary>
    public int Drain()
    {
        long end = Interlocked.Read(ref _tail);
        int drained = 0;
        for (long position = _head; position < end; position++)
        {
            // A position below the tail is taken; its writer may still be copying the change in.
            var wait = default(SpinWait);
            Slot[]? chunk;
            while ((chunk = ChunkAt(position, allocate: false)) is null || Volatile.Read(ref chunk[Index(position)].Sequence) != position + 1)
            {
                wait.SpinOnce();
            }

            ref Slot slot = ref chunk[Index(position)];
            T change = slot.Change;
            slot.Change = default; // what a change refers to is not kept alive by the ring
            Volatile.Write(ref slot.Sequence, position + _ringSize);
            _head = position + 1;
            Interlocked.Decrement(ref _count);
            drained++;
            _record(change);
        }

        return drained;
    }

    /// <summary>Stops taking changes; those appended before are still recorded, at the store's next flush.</summary>
    public void Dispose() => Volatile.Write(ref _closed, 1);

    private int Index(long position) => (int)(position % _ringSize) & (ChunkSize - 1);

    private Slot[]? ChunkAt(long position, bool allocate)
    {
        int number = (int)(position % _ringSize) >> ChunkShift;
        ref Slot[]? chunk = ref _chunks[number];
        Slot[]? current = Volatile.Read(ref chunk);
        if (current is null && allocate)
        {
            // Reached in the first lap only; each slot starts free for the position it holds then.
            var fresh = new Slot[ChunkSize];
            for (int i = 0; i < fresh.Length; i++)
            {
                fresh[i].Sequence = ((long)number << ChunkShift) + i;
            }

            // Two writers may reach a new chunk at once: one allocation wins.
            current = Interlocked.CompareExchange(ref chunk, fresh, null) ?? fresh;
        }

        return current;
    }

    private struct Slot
    {
        public T Change;

        // The position this slot is free for, or that position + 1 once its change is in.
        public long Sequence;
    }
}

/// <summary>What a store needs of its journals, whatever they hold.</summary>
internal interface IStateJournal
{
    long Dropped { get; }

    bool IsClosed { get; }

    int Drain();
}
