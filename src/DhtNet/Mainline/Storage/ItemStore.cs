using System.Security.Cryptography;
using DhtNet.Internal;
using DhtNet.Mainline.Bep44;

namespace DhtNet.Mainline.Storage;

/// <summary>
/// BEP 44 storage for get/put: immutable items under SHA-1(v) and mutable items under
/// SHA-1(k + salt), with the put rules of the BEP (301 on a cas mismatch, 302 on an old sequence
/// number, equal sequence number and value refreshes). Items expire
/// <see cref="ItemStoreOptions.ItemLifetime"/> after their last put; item count and estimated
/// bytes are bounded, the least recently put item making room. Expired items are dropped lazily on
/// every call and by <see cref="Purge"/>; the store runs no timers of its own. Thread-safe.
/// </summary>
internal sealed class ItemStore
{
    // Estimated bytes of one item besides its data, rounded up: the DhtItem (120), the data
    // array's header (24), the list entry (48) and the Dictionary entry and bucket at up to twice
    // the count after a resize (2 x 44) = 280.
    private const int ItemOverheadBytes = 320;

    private readonly ItemStoreOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly long _lifetimeTimestampTicks;
    private readonly object _lock = new();
    private readonly Dictionary<NodeId, Entry> _items = [];
    private readonly RecencyList<Entry> _byPutTime = new();
    private long _bytes;

    public ItemStore(TimeProvider timeProvider)
        : this(new ItemStoreOptions(), timeProvider)
    {
    }

    public ItemStore(ItemStoreOptions options, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        options.Validate();
        _options = options;
        _timeProvider = timeProvider;
        _lifetimeTimestampTicks = (long)Math.Ceiling(options.ItemLifetime.TotalSeconds * timeProvider.TimestampFrequency);
    }

    /// <summary>The options the store was built with.</summary>
    public ItemStoreOptions Options => _options;

    /// <summary>Number of stored items that have not expired.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                DropExpired(_timeProvider.GetTimestamp());
                return _items.Count;
            }
        }
    }

    /// <summary>Conservative estimate of the managed memory the items hold, in bytes; never above <see cref="ItemStoreOptions.MaxBytes"/>.</summary>
    public long EstimatedBytes
    {
        get
        {
            lock (_lock)
            {
                return _bytes;
            }
        }
    }

    /// <summary>
    /// Stores an immutable item under SHA-1 of <paramref name="value"/> (the raw bencoded <c>v</c>).
    /// Putting a stored value again refreshes its expiry. The caller has checked the write token.
    /// </summary>
    public ItemPutResult PutImmutable(ReadOnlySpan<byte> value)
    {
        var target = NodeId.Sha1(value);
        if (value.Length > _options.MaxValueSize)
        {
            return new ItemPutResult(ItemPutStatus.ValueTooBig, target);
        }

        lock (_lock)
        {
            long now = _timeProvider.GetTimestamp();
            DropExpired(now);
            if (_items.TryGetValue(target, out var existing))
            {
                if (!existing.Item.IsMutable)
                {
                    Touch(existing, now);
                    return new ItemPutResult(ItemPutStatus.Refreshed, target);
                }

                // A mutable item whose key and salt hash to the same target (a crafted key can make
                // k + salt valid bencode): the value that proves its own target replaces it.
                Remove(existing);
            }

            var item = CreateItem(target, isMutable: false, value, publicKey: default, salt: default, sequence: 0, signature: default);
            Add(item, now);
            Observer?.ItemStored(item, now);
            return new ItemPutResult(ItemPutStatus.Stored, target);
        }
    }

    /// <summary>
    /// Stores a mutable item under SHA-1(<paramref name="publicKey"/> + <paramref name="salt"/>).
    /// The caller MUST have verified <paramref name="signature"/> over salt, seq and v (BEP 44) and
    /// the write token before calling: the store trusts that the item is signed and only applies the
    /// ordering rules. Against a stored item, checked in this order: a <paramref name="cas"/> that
    /// differs from the stored seq gives 301; a lower seq gives 302; an equal seq with the same value
    /// refreshes the expiry, with a different value gives 302 (BEP 44: a seq lower than or equal to
    /// the stored one MUST be rejected); a higher seq replaces the item. When nothing is stored the
    /// cas is ignored (BEP 44: it SHOULD be), so a put with a cas can create the item.
    /// </summary>
    public ItemPutResult PutMutable(ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> salt, long sequence,
        ReadOnlySpan<byte> signature, ReadOnlySpan<byte> value, long? cas = null)
    {
        if (publicKey.Length != ItemRules.PublicKeySize || signature.Length != ItemRules.SignatureSize)
        {
            return new ItemPutResult(ItemPutStatus.InvalidArgument, default);
        }

        if (salt.Length > ItemRules.MaxSaltSize)
        {
            return new ItemPutResult(ItemPutStatus.SaltTooBig, default);
        }

        var target = ItemRules.MutableTarget(publicKey, salt);
        if (value.Length > _options.MaxValueSize)
        {
            return new ItemPutResult(ItemPutStatus.ValueTooBig, target);
        }

        lock (_lock)
        {
            long now = _timeProvider.GetTimestamp();
            DropExpired(now);
            var status = ItemPutStatus.Stored;
            if (_items.TryGetValue(target, out var existing) && existing.Item.IsMutable)
            {
                var stored = existing.Item;
                if (cas is { } expected && expected != stored.Sequence)
                {
                    return new ItemPutResult(ItemPutStatus.CasMismatch, target);
                }

                if (sequence < stored.Sequence)
                {
                    return new ItemPutResult(ItemPutStatus.SequenceTooLow, target);
                }

                if (sequence == stored.Sequence)
                {
                    if (!value.SequenceEqual(stored.Value.Span))
                    {
                        return new ItemPutResult(ItemPutStatus.SequenceNotNewer, target);
                    }

                    Touch(existing, now);
                    return new ItemPutResult(ItemPutStatus.Refreshed, target);
                }

                status = ItemPutStatus.Updated;
            }

            // A replaced item (or, against all odds, an immutable item whose hash collides) goes
            // first, so the bounds are enforced on the store without it.
            if (existing is not null)
            {
                Remove(existing);
            }

            var item = CreateItem(target, isMutable: true, value, publicKey, salt, sequence, signature);
            Add(item, now);
            Observer?.ItemStored(item, now);
            return new ItemPutResult(status, target);
        }
    }

    /// <summary>
    /// The item stored under <paramref name="target"/>. With <paramref name="sequence"/> (the get
    /// request's <c>seq</c>), a mutable item whose stored seq is not greater comes back with
    /// <see cref="ItemGetResult.IncludeValue"/> false, and the reply leaves out k, v and sig.
    /// </summary>
    public ItemGetResult Get(NodeId target, long? sequence = null)
    {
        lock (_lock)
        {
            DropExpired(_timeProvider.GetTimestamp());
            if (!_items.TryGetValue(target, out var entry))
            {
                return default;
            }

            var item = entry.Item;
            bool includeValue = !item.IsMutable || sequence is not { } seq || item.Sequence > seq;
            return new ItemGetResult(item, includeValue);
        }
    }

    /// <summary>Is told of every stored, replaced or refreshed item (not of restores, expiry or eviction); null for none.</summary>
    public IStoreObserver? Observer { get; set; }

    /// <summary>
    /// Puts back an item restored from saved state as if put at <paramref name="lastPut"/> (a
    /// <see cref="TimeProvider.GetTimestamp"/> value), trusting that it was checked when it first
    /// came in. Restore in order of put time, before serving starts; every bound applies.
    /// </summary>
    public void Restore(DhtItem item, long lastPut)
    {
        ArgumentNullException.ThrowIfNull(item);
        lock (_lock)
        {
            if (_items.TryGetValue(item.Target, out var existing))
            {
                Remove(existing);
            }

            Add(CreateItem(item.Target, item.IsMutable, item.Value.Span, item.PublicKey.Span, item.Salt.Span, item.Sequence, item.Signature.Span), lastPut);
        }
    }

    /// <summary>Drops every expired item; returns how many. Cheap (items are kept in put order): call it from a timer.</summary>
    public int Purge()
    {
        lock (_lock)
        {
            int before = _items.Count;
            DropExpired(_timeProvider.GetTimestamp());
            return before - _items.Count;
        }
    }

    /// <summary>Estimated bytes of one item holding <paramref name="dataBytes"/> bytes of value, key, salt and signature.</summary>
    internal static long EstimateItemBytes(int dataBytes) => ItemOverheadBytes + (long)dataBytes;

    // One array holds k, sig, salt and v, so an item costs one data allocation.
    private static DhtItem CreateItem(NodeId target, bool isMutable, ReadOnlySpan<byte> value, ReadOnlySpan<byte> publicKey,
        ReadOnlySpan<byte> salt, long sequence, ReadOnlySpan<byte> signature)
    {
        var data = new byte[publicKey.Length + signature.Length + salt.Length + value.Length];
        int offset = 0;
        var memory = new ReadOnlyMemory<byte>(data);
        ReadOnlyMemory<byte> AppendPart(ReadOnlySpan<byte> part)
        {
            part.CopyTo(data.AsSpan(offset));
            var slice = memory.Slice(offset, part.Length);
            offset += part.Length;
            return slice;
        }

        var k = AppendPart(publicKey);
        var sig = AppendPart(signature);
        var s = AppendPart(salt);
        var v = AppendPart(value);
        return new DhtItem(target, isMutable, v, k, s, sequence, sig);
    }

    private static int DataBytes(DhtItem item) => item.PublicKey.Length + item.Signature.Length + item.Salt.Length + item.Value.Length;

    private void Add(DhtItem item, long now)
    {
        long bytes = EstimateItemBytes(DataBytes(item));
        while ((_items.Count >= _options.MaxItems || _bytes + bytes > _options.MaxBytes) && _byPutTime.Oldest is { } oldest)
        {
            Remove(oldest);
        }

        var entry = new Entry(item) { LastPut = now };
        _items.Add(item.Target, entry);
        _byPutTime.AddNewest(entry);
        _bytes += bytes;
    }

    private void Remove(Entry entry)
    {
        _items.Remove(entry.Item.Target);
        _byPutTime.Remove(entry);
        _bytes -= EstimateItemBytes(DataBytes(entry.Item));
    }

    private void Touch(Entry entry, long now)
    {
        entry.LastPut = now;
        _byPutTime.MoveToNewest(entry);
        Observer?.ItemStored(entry.Item, now);
    }

    // Entries are in put order, so the expired ones are all at the old end.
    private void DropExpired(long now)
    {
        long cutoff = now - _lifetimeTimestampTicks;
        while (_byPutTime.Oldest is { } oldest && oldest.LastPut <= cutoff)
        {
            Remove(oldest);
        }
    }

    /// <summary>A stored item and its place in the put order.</summary>
    private sealed class Entry(DhtItem item) : RecencyNode<Entry>
    {
        public DhtItem Item { get; } = item;

        public long LastPut { get; set; }
    }
}
