using System.Numerics;
using System.Runtime.CompilerServices;

namespace DhtNet.Mainline.Storage;

/// <summary>
/// The peer store's memory: slabs of one size (the per-infohash cap rounded up to a power of two),
/// each carved into blocks of one power-of-two size class, a block holding one infohash's peers. A
/// freed block goes back to its slab and a slab whose blocks are all free can be carved again for
/// any class, so churning swarms reuse the same arrays instead of leaving garbage for the GC, and
/// the slabs are all the store allocates for peers. Not thread-safe: the owning store locks.
/// </summary>
internal sealed class PeerBlocks
{
    public static readonly int EntryBytes = Unsafe.SizeOf<PeerEntry>();

    private const int None = -1;

    private readonly int _slabShift;
    private readonly List<Slab> _slabs = [];
    private readonly Stack<int> _empty = new();
    // Per size class, the slabs with a free block; a class's list is made when first needed.
    private readonly List<int>?[] _partial;

    /// <param name="maxBlockEntries">The largest block asked for (the per-infohash cap).</param>
    public PeerBlocks(int maxBlockEntries)
    {
        SlabEntries = (int)BitOperations.RoundUpToPowerOf2((uint)maxBlockEntries);
        _slabShift = BitOperations.Log2((uint)SlabEntries);
        _partial = new List<int>?[_slabShift + 1];
    }

    /// <summary>Entries of one slab, and of the largest block.</summary>
    public int SlabEntries { get; }

    /// <summary>Bytes of one slab.</summary>
    public long SlabBytes => (long)SlabEntries * EntryBytes;

    /// <summary>Bytes of all slabs held, carved or not.</summary>
    public long Bytes => (long)(_slabs.Count - FreeSlots) * SlabBytes;

    // Slots of released slabs, reused before the list grows.
    private int FreeSlots { get; set; }

    /// <summary>The smallest size class whose blocks hold <paramref name="entries"/>.</summary>
    public static int ClassFor(int entries) => BitOperations.Log2(BitOperations.RoundUpToPowerOf2((uint)Math.Max(entries, 1)));

    public static int Capacity(int sizeClass) => 1 << sizeClass;

    /// <summary>True when a block of <paramref name="sizeClass"/> can be had without a new slab.</summary>
    public bool HasFree(int sizeClass) => _partial[sizeClass] is { Count: > 0 } || _empty.Count > 0;

    /// <summary>A block of <paramref name="sizeClass"/>; takes a new slab when none is free (the caller checks the budget first).</summary>
    public int Allocate(int sizeClass)
    {
        var partial = _partial[sizeClass];
        int slabIndex;
        if (partial is { Count: > 0 })
        {
            slabIndex = partial[^1];
        }
        else
        {
            slabIndex = _empty.Count > 0 ? _empty.Pop() : NewSlab();
            Carve(slabIndex, sizeClass);
        }

        var slab = _slabs[slabIndex];
        int offset = slab.FirstFree;
        ref var head = ref slab.Entries[offset];
        slab.FirstFree = (int)head.Timestamp;
        head = default;
        slab.Used++;
        if (slab.FirstFree == None)
        {
            RemovePartial(slab);
        }

        return (slabIndex << _slabShift) | offset;
    }

    /// <summary>Gives a block back; a slab left with no block in use is kept for reuse or released (see <see cref="ReleaseEmpty"/>).</summary>
    public void Free(int block, int sizeClass)
    {
        var slab = _slabs[block >> _slabShift];
        int offset = block & (SlabEntries - 1);
        Array.Clear(slab.Entries, offset, Capacity(sizeClass));
        if (slab.FirstFree == None)
        {
            AddPartial(slab, sizeClass);
        }

        // The free list runs through the first entry of each free block.
        slab.Entries[offset].Timestamp = slab.FirstFree;
        slab.FirstFree = offset;
        if (--slab.Used == 0)
        {
            RemovePartial(slab);
            _empty.Push(slab.Index);
        }
    }

    /// <summary>The entries of a block.</summary>
    public Span<PeerEntry> Get(int block, int sizeClass) =>
        _slabs[block >> _slabShift].Entries.AsSpan(block & (SlabEntries - 1), Capacity(sizeClass));

    /// <summary>
    /// Releases slabs no block uses, keeping <paramref name="keep"/> of them for reuse (so churn
    /// does not allocate and release slab after slab); returns the number released.
    /// </summary>
    public int ReleaseEmpty(int keep)
    {
        int released = 0;
        while (_empty.Count > keep)
        {
            int index = _empty.Pop();
            _slabs[index].Entries = [];
            _slabs[index].Released = true;
            FreeSlots++;
            released++;
        }

        return released;
    }

    /// <summary>Slabs with at least one block in use.</summary>
    public int SlabsInUse => _slabs.Count - FreeSlots - _empty.Count;

    private int NewSlab()
    {
        if (FreeSlots > 0)
        {
            // A released slab's slot: its index is reused so handles stay small.
            int index = _slabs.FindIndex(s => s.Released);
            _slabs[index].Entries = new PeerEntry[SlabEntries];
            _slabs[index].Released = false;
            FreeSlots--;
            return index;
        }

        _slabs.Add(new Slab(_slabs.Count, new PeerEntry[SlabEntries]));
        return _slabs.Count - 1;
    }

    private void Carve(int slabIndex, int sizeClass)
    {
        var slab = _slabs[slabIndex];
        int size = Capacity(sizeClass);
        slab.SizeClass = sizeClass;
        slab.FirstFree = None;
        for (int offset = SlabEntries - size; offset >= 0; offset -= size)
        {
            slab.Entries[offset].Timestamp = slab.FirstFree;
            slab.FirstFree = offset;
        }

        AddPartial(slab, sizeClass);
    }

    private void AddPartial(Slab slab, int sizeClass)
    {
        var partial = _partial[sizeClass] ??= [];
        slab.PartialIndex = partial.Count;
        partial.Add(slab.Index);
    }

    private void RemovePartial(Slab slab)
    {
        if (slab.PartialIndex == None)
        {
            return;
        }

        // A slab on a partial list put its class's list there.
        var partial = _partial[slab.SizeClass]!;
        int last = partial[^1];
        partial[slab.PartialIndex] = last;
        _slabs[last].PartialIndex = slab.PartialIndex;
        partial.RemoveAt(partial.Count - 1);
        slab.PartialIndex = None;
    }

    private sealed class Slab(int index, PeerEntry[] entries)
    {
        public int Index { get; } = index;

        public PeerEntry[] Entries { get; set; } = entries;

        public int SizeClass { get; set; }

        /// <summary>Offset of the first free block, or -1.</summary>
        public int FirstFree { get; set; } = None;

        /// <summary>Position in its class's list of slabs with a free block, or -1.</summary>
        public int PartialIndex { get; set; } = None;

        public int Used { get; set; }

        public bool Released { get; set; }
    }
}
