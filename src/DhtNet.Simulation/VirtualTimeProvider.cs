namespace DhtNet.Simulation;

/// <summary>
/// A <see cref="TimeProvider"/> whose time moves only when told to. Timers fire on the thread that
/// calls <see cref="Advance"/> or <see cref="AdvanceToNextTimer"/>, in due-time order, with the
/// clock set to each timer's due time, so hours of protocol time run in milliseconds and a run is
/// repeatable. Code under a virtual clock should complete its tasks inline (no Task.Run) so that
/// everything a timer starts has happened before the clock moves on.
/// </summary>
public sealed class VirtualTimeProvider : TimeProvider
{
    // Below this many queued entries the queue's spare storage is not worth giving back.
    private const int MinTrimmedCapacity = 4_096;

    private readonly object _lock = new();
    private readonly PriorityQueue<VirtualTimer, (long Due, long Sequence)> _queue = new();
    private long _now; // ticks since the epoch below
    private long _sequence;
    private int _stale; // queue entries left behind by Change/Dispose, dropped lazily
    private int _highWater; // most entries queued since the queue's storage was last trimmed
    private readonly DateTimeOffset _epoch;

    public VirtualTimeProvider()
        : this(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero))
    {
    }

    public VirtualTimeProvider(DateTimeOffset start) => _epoch = start;

    public override TimeZoneInfo LocalTimeZone => TimeZoneInfo.Utc;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override DateTimeOffset GetUtcNow() => _epoch.AddTicks(Interlocked.Read(ref _now));

    public override long GetTimestamp() => Interlocked.Read(ref _now);

    /// <summary>Time elapsed since the clock was created.</summary>
    public TimeSpan Elapsed => TimeSpan.FromTicks(Interlocked.Read(ref _now));

    /// <summary>Number of timers waiting to fire.</summary>
    public int PendingTimers
    {
        get
        {
            lock (_lock)
            {
                return _queue.Count - _stale;
            }
        }
    }

    // Slots the queue's storage holds; lets tests check a burst's storage is given back.
    internal int QueueCapacity
    {
        get
        {
            lock (_lock)
            {
                return _queue.Capacity;
            }
        }
    }

    // Queue entries including stale ones; lets tests check the queue stays bounded.
    internal int QueuedEntries
    {
        get
        {
            lock (_lock)
            {
                return _queue.Count;
            }
        }
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        ArgumentNullException.ThrowIfNull(callback);
        var timer = new VirtualTimer(this, callback, state);
        timer.Change(dueTime, period);
        return timer;
    }

    /// <summary>Moves time forward by <paramref name="delta"/>, firing every timer due on the way.</summary>
    public void Advance(TimeSpan delta)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(delta, TimeSpan.Zero);
        long target = Interlocked.Read(ref _now) + delta.Ticks;
        while (FireNext(target))
        {
        }

        Interlocked.Exchange(ref _now, Math.Max(target, Interlocked.Read(ref _now)));
    }

    /// <summary>
    /// Jumps to the earliest pending timer and fires it (and any others due at the same instant).
    /// Returns false when no timer is pending or the next one is beyond <paramref name="limit"/>.
    /// </summary>
    public bool AdvanceToNextTimer(TimeSpan? limit = null)
    {
        long due;
        lock (_lock)
        {
            if (!TryPeekLive(out var next))
            {
                return false;
            }

            due = next.Due;
        }

        if (limit is { } l && due > Interlocked.Read(ref _now) + l.Ticks)
        {
            return false;
        }

        while (FireNext(due))
        {
        }

        return true;
    }

    /// <summary>
    /// Runs the clock from timer to timer until <paramref name="task"/> completes; false when the timers ran out
    /// first. The clock stands still while the task is queued or running on another thread (a continuation the
    /// thread pool runs): that is real-time work, and hours of protocol time passing under it would expire what
    /// it is about to see. Such work gets <see cref="RealTimeWorkLimit"/> of real time before this throws.
    /// </summary>
    /// <exception cref="TimeoutException">The task stayed queued or running on another thread for <see cref="RealTimeWorkLimit"/>.</exception>
    public bool RunUntil(Task task)
    {
        ArgumentNullException.ThrowIfNull(task);
        while (!task.IsCompleted)
        {
            if (task.Status is TaskStatus.WaitingToRun or TaskStatus.Running)
            {
                // A delegate task (ContinueWith, Task.Run) is done when its delegate returns: wait for that.
                if (!Task.WhenAny(task).Wait(RealTimeWorkLimit))
                {
                    throw new TimeoutException($"The task ran on another thread for {RealTimeWorkLimit} of real time without finishing; the virtual clock does not move under real-time work.");
                }

                continue;
            }

            if (!AdvanceToNextTimer())
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>How long <see cref="RunUntil"/> waits in real time for a task that runs on another thread.</summary>
    public static TimeSpan RealTimeWorkLimit { get; } = TimeSpan.FromMinutes(1);

    private bool FireNext(long upTo)
    {
        VirtualTimer timer;
        lock (_lock)
        {
            if (!TryPeekLive(out var next) || next.Due > upTo)
            {
                return false;
            }

            timer = _queue.Dequeue();
            TrimAfterBurst();
            if (next.Due > _now)
            {
                Interlocked.Exchange(ref _now, next.Due);
            }

            timer.OnFired();
        }

        timer.Invoke();
        return true;
    }

    // Drops queue entries of timers that were changed or disposed since they were queued.
    private bool TryPeekLive(out (long Due, long Sequence) priority)
    {
        while (_queue.TryPeek(out var timer, out priority))
        {
            if (timer.IsCurrent(priority.Sequence))
            {
                return true;
            }

            _queue.Dequeue();
            _stale--;
        }

        return false;
    }

    private void Schedule(VirtualTimer timer, long due, out long sequence)
    {
        sequence = ++_sequence;
        _queue.Enqueue(timer, (due, sequence));
        _highWater = Math.Max(_highWater, _queue.Count);
    }

    // A priority queue keeps the storage of its largest moment: a burst of timers (every node of a
    // large swarm refreshing at once) would otherwise hold millions of empty slots for the whole run.
    // Give it back once the queue has drained to a quarter of that peak.
    private void TrimAfterBurst()
    {
        if (_highWater > MinTrimmedCapacity && _queue.Count < _highWater / 4)
        {
            _queue.TrimExcess();
            _highWater = _queue.Count;
        }
    }

    // Called under the lock when a queued entry stops being live. A timeout that is pushed back on
    // every packet would otherwise leave one dead entry per push until its old due time passes.
    private void OnEntryAbandoned()
    {
        _stale++;
        if (_stale > 64 && _stale > _queue.Count / 2)
        {
            var live = new List<(VirtualTimer, (long Due, long Sequence))>(_queue.Count - _stale);
            foreach (var (timer, priority) in _queue.UnorderedItems)
            {
                if (timer.IsCurrent(priority.Sequence))
                {
                    live.Add((timer, priority));
                }
            }

            _queue.Clear();
            _queue.EnqueueRange(live);
            _stale = 0;
            TrimAfterBurst();
        }
    }

    private sealed class VirtualTimer(VirtualTimeProvider owner, TimerCallback callback, object? state) : ITimer
    {
        private long _sequence = -1; // the queue entry that is live; -1 when not scheduled
        private long _period;        // ticks; 0 for one-shot
        private bool _disposed;

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            lock (owner._lock)
            {
                if (_disposed)
                {
                    return false;
                }

                // Validate before touching state, so a bad call leaves the timer as it was.
                if (dueTime != Timeout.InfiniteTimeSpan)
                {
                    ArgumentOutOfRangeException.ThrowIfLessThan(dueTime, TimeSpan.Zero);
                }

                if (period != Timeout.InfiniteTimeSpan)
                {
                    ArgumentOutOfRangeException.ThrowIfLessThan(period, TimeSpan.Zero);
                }

                Unschedule();
                _period = period == Timeout.InfiniteTimeSpan ? 0 : period.Ticks;
                if (dueTime != Timeout.InfiniteTimeSpan)
                {
                    owner.Schedule(this, owner._now + dueTime.Ticks, out _sequence);
                }

                return true;
            }
        }

        public bool IsCurrent(long sequence) => !_disposed && sequence == _sequence;

        // Called under the owner's lock when this timer's entry is dequeued to fire.
        public void OnFired()
        {
            _sequence = -1;
            if (_period > 0)
            {
                owner.Schedule(this, owner._now + _period, out _sequence);
            }
        }

        public void Invoke() => callback(state);

        public void Dispose()
        {
            lock (owner._lock)
            {
                Unschedule();
                _disposed = true;
            }
        }

        // Under the owner's lock: the live queue entry, if any, becomes stale.
        private void Unschedule()
        {
            if (_sequence != -1)
            {
                _sequence = -1;
                owner.OnEntryAbandoned();
            }
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
