namespace DhtNet.Ipfs.Providers;

/// <summary>
/// What this node provides and when each key is due for its next announcement (every 22 h, well
/// inside the 48 h other nodes keep a record). The node drives it: <see cref="TakeDue"/> hands out
/// the keys to announce now and schedules their next round; <see cref="Retry"/> brings a key whose
/// announcement failed forward. Bounded by <see cref="MaxKeys"/>; thread-safe.
/// </summary>
public sealed class ReprovideSchedule
{
    /// <summary>The IPFS DHT's Provider Record Republish Interval.</summary>
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromHours(22);

    /// <summary>Keys provided at most unless another bound is given.</summary>
    internal const int DefaultMaxKeys = 1 << 20;

    private readonly TimeProvider _timeProvider;
    private readonly object _lock = new();
    private readonly Dictionary<ByteKey, DateTimeOffset> _due = [];

    // Ordered by due time; entries whose time no longer matches _due are stale and skipped.
    private readonly PriorityQueue<ByteKey, DateTimeOffset> _queue = new();

    public ReprovideSchedule(TimeProvider timeProvider, TimeSpan? interval = null, int maxKeys = DefaultMaxKeys)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxKeys, 1);
        Interval = interval ?? DefaultInterval;
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(Interval, TimeSpan.Zero);
        _timeProvider = timeProvider;
        MaxKeys = maxKeys;
    }

    public TimeSpan Interval { get; }

    public int MaxKeys { get; }

    /// <summary>Told when a key's next due time changes (null: it was removed), so a state store can keep the schedule; called under the schedule's lock.</summary>
    internal Action<ReadOnlyMemory<byte>, DateTimeOffset?>? Changed { get; set; }

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _due.Count;
            }
        }
    }

    /// <summary>When the next key is due, or null when nothing is provided.</summary>
    public DateTimeOffset? NextDue
    {
        get
        {
            lock (_lock)
            {
                DropStale();
                return _queue.TryPeek(out _, out var due) ? due : null;
            }
        }
    }

    /// <summary>
    /// Starts providing <paramref name="key"/> (a multihash), just announced: due again one
    /// interval from now. False when <see cref="MaxKeys"/> keys are already provided.
    /// </summary>
    public bool Add(ReadOnlySpan<byte> key)
    {
        var byteKey = new ByteKey(key);
        lock (_lock)
        {
            if (!_due.ContainsKey(byteKey) && _due.Count >= MaxKeys)
            {
                return false;
            }

            Schedule(byteKey, _timeProvider.GetUtcNow() + Interval);
            return true;
        }
    }

    /// <summary>Stops providing <paramref name="key"/>.</summary>
    public bool Remove(ReadOnlySpan<byte> key)
    {
        lock (_lock)
        {
            var byteKey = new ByteKey(key);
            if (!_due.Remove(byteKey))
            {
                return false;
            }

            Changed?.Invoke(byteKey.Bytes, null);
            return true;
        }
    }

    /// <summary>Puts back a saved key due at <paramref name="due"/> (a time already past makes it due now); false past <see cref="MaxKeys"/>.</summary>
    internal bool Restore(ReadOnlySpan<byte> key, DateTimeOffset due)
    {
        var byteKey = new ByteKey(key);
        lock (_lock)
        {
            if (!_due.ContainsKey(byteKey) && _due.Count >= MaxKeys)
            {
                return false;
            }

            _due[byteKey] = due;
            _queue.Enqueue(byteKey, due);
            return true;
        }
    }

    public bool Contains(ReadOnlySpan<byte> key)
    {
        lock (_lock)
        {
            return _due.ContainsKey(new ByteKey(key));
        }
    }

    /// <summary>Up to <paramref name="max"/> keys due now, earliest first; each is scheduled one interval from now.</summary>
    public IReadOnlyList<ReadOnlyMemory<byte>> TakeDue(int max = int.MaxValue)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(max, 1);
        var now = _timeProvider.GetUtcNow();
        var taken = new List<ByteKey>();
        lock (_lock)
        {
            while (taken.Count < max && _queue.TryPeek(out var key, out var due) && due <= now)
            {
                _queue.Dequeue();
                if (_due.TryGetValue(key, out var current) && current == due)
                {
                    // Rescheduled at once, so a second queue entry with the same time is stale.
                    _due[key] = now + Interval;
                    taken.Add(key);
                }
            }

            var result = new ReadOnlyMemory<byte>[taken.Count];
            for (var i = 0; i < taken.Count; i++)
            {
                Schedule(taken[i], now + Interval);
                result[i] = taken[i].Bytes;
            }

            return result;
        }
    }

    /// <summary>Makes a provided key due again after <paramref name="delay"/> (its announcement failed).</summary>
    public bool Retry(ReadOnlySpan<byte> key, TimeSpan delay)
    {
        var byteKey = new ByteKey(key);
        lock (_lock)
        {
            if (!_due.ContainsKey(byteKey))
            {
                return false;
            }

            Schedule(byteKey, _timeProvider.GetUtcNow() + delay);
            return true;
        }
    }

    private void Schedule(ByteKey key, DateTimeOffset due)
    {
        _due[key] = due;
        _queue.Enqueue(key, due);
        Changed?.Invoke(key.Bytes, due);
        if (_queue.Count > (2 * _due.Count) + 64)
        {
            // Stale entries pile up when keys are rescheduled or removed; rebuild so the queue stays bounded.
            _queue.Clear();
            foreach (var (k, d) in _due)
            {
                _queue.Enqueue(k, d);
            }
        }
    }

    private void DropStale()
    {
        while (_queue.TryPeek(out var key, out var due) && (!_due.TryGetValue(key, out var current) || current != due))
        {
            _queue.Dequeue();
        }
    }
}
