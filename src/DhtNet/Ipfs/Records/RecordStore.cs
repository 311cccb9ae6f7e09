using DhtNet.Ipfs.Messages;

namespace DhtNet.Ipfs.Records;

/// <summary>
/// The PUT_VALUE/GET_VALUE datastore: validated records by key, bounded by count and bytes with
/// least-recently-used eviction. A record is stored only when its namespace's validator accepts it
/// and it is at least as good as the one held; records are validated again when served, so expired
/// IPNS records are never handed out. Thread-safe; runs no timers (the node calls <see cref="Purge"/>).
/// </summary>
public sealed class RecordStore
{
    private const int EntryOverheadBytes = 128;

    private readonly IRecordValidator _validator;
    private readonly RecordStoreOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly object _lock = new();
    private readonly BoundedLru<ByteKey, Entry> _records;

    public RecordStore(TimeProvider timeProvider)
        : this(RecordValidator.Default, new RecordStoreOptions(), timeProvider)
    {
    }

    public RecordStore(IRecordValidator validator, RecordStoreOptions options, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(validator);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        options.Validate();
        _validator = validator;
        _options = options;
        _timeProvider = timeProvider;
        _records = new BoundedLru<ByteKey, Entry>(options.MaxRecords, options.MaxBytes);
    }

    /// <summary>The validator records are checked with (the handler validates PUT_VALUE with it).</summary>
    public IRecordValidator Validator => _validator;

    /// <summary>The bounds this store keeps to.</summary>
    public RecordStoreOptions Options => _options;

    /// <summary>Told of every record stored (the node's state keeping): key, value and when it was received; called under the store's lock.</summary>
    internal Action<ReadOnlyMemory<byte>, byte[], DateTimeOffset>? Stored { get; set; }

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _records.Count;
            }
        }
    }

    /// <summary>Estimated bytes held (keys, values and per-entry overhead).</summary>
    public long Bytes
    {
        get
        {
            lock (_lock)
            {
                return _records.Bytes;
            }
        }
    }

    /// <summary>Validates and stores <paramref name="value"/> under <paramref name="key"/> unless a better record is held.</summary>
    public RecordPutStatus Put(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value) => PutCore(key, value, _timeProvider.GetUtcNow(), Stored);

    /// <summary>Puts back a saved record received at <paramref name="received"/>: validated again, and only while not too old.</summary>
    internal RecordPutStatus Restore(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, DateTimeOffset received) =>
        _timeProvider.GetUtcNow() - received < _options.MaxRecordAge ? PutCore(key, value, received, observer: null) : RecordPutStatus.Invalid;

    private RecordPutStatus PutCore(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, DateTimeOffset received, Action<ReadOnlyMemory<byte>, byte[], DateTimeOffset>? observer)
    {
        var now = _timeProvider.GetUtcNow();
        if (!_validator.TryValidate(key, value, now, out _))
        {
            return RecordPutStatus.Invalid;
        }

        var byteKey = new ByteKey(key);
        var valueCopy = value.ToArray();
        lock (_lock)
        {
            if (_records.TryGet(byteKey, out var existing) && IsServable(byteKey, existing, now)
                && _validator.Select(key, [valueCopy, existing.Value]) != 0)
            {
                return RecordPutStatus.Older;
            }

            if (!_records.Set(byteKey, new Entry(valueCopy, received), EntryOverheadBytes + key.Length + value.Length))
            {
                return RecordPutStatus.TooLarge;
            }

            observer?.Invoke(byteKey.Bytes, valueCopy, received);
            return RecordPutStatus.Stored;
        }
    }

    /// <summary>The record under <paramref name="key"/> with the time it was received, or null (also when it has expired since).</summary>
    public KadRecord? Get(ReadOnlySpan<byte> key)
    {
        var now = _timeProvider.GetUtcNow();
        var byteKey = new ByteKey(key);
        lock (_lock)
        {
            if (!_records.TryGet(byteKey, out var stored))
            {
                return null;
            }

            if (!IsServable(byteKey, stored, now))
            {
                _records.Remove(byteKey);
                return null;
            }

            return new KadRecord(byteKey.Bytes, stored.Value, Rfc3339.Format(stored.Received));
        }
    }

    /// <summary>Drops every record that is too old or no longer valid; returns how many.</summary>
    public int Purge()
    {
        var now = _timeProvider.GetUtcNow();
        lock (_lock)
        {
            return _records.RemoveWhere((key, stored) => !IsServable(key, stored, now));
        }
    }

    private bool IsServable(ByteKey key, Entry stored, DateTimeOffset now) =>
        now - stored.Received < _options.MaxRecordAge && _validator.TryValidate(key.Bytes.Span, stored.Value, now, out _);

    private sealed record Entry(byte[] Value, DateTimeOffset Received);
}
