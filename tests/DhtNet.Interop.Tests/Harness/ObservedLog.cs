namespace DhtNet.Interop.Tests.Harness;

/// <summary>
/// A bounded history of things a child process reported (events, log lines) that a test can await:
/// a wait sees what already arrived as well as what arrives later, so no report slips between
/// starting an operation and starting to wait for its outcome.
/// </summary>
public sealed class ObservedLog<T>
{
    private readonly object _gate = new();
    private readonly Queue<T> _items = new();
    private readonly List<Waiter> _waiters = [];
    private readonly int _capacity;
    private string? _closedReason;

    /// <summary>Creates a log that keeps the newest <paramref name="capacity"/> items.</summary>
    public ObservedLog(int capacity) => _capacity = capacity;

    /// <summary>How many items were dropped because the history was full.</summary>
    public long Dropped { get; private set; }

    /// <summary>A copy of the items still held, oldest first.</summary>
    public IReadOnlyList<T> Snapshot()
    {
        lock (_gate)
        {
            return _items.ToArray();
        }
    }

    /// <summary>Records an item and completes the waits it satisfies.</summary>
    public void Add(T item)
    {
        List<Waiter>? satisfied = null;
        lock (_gate)
        {
            if (_items.Count == _capacity)
            {
                _items.Dequeue();
                Dropped++;
            }

            _items.Enqueue(item);
            for (int i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Predicate(item))
                {
                    (satisfied ??= []).Add(_waiters[i]);
                    _waiters.RemoveAt(i);
                }
            }
        }

        if (satisfied is not null)
        {
            foreach (var waiter in satisfied)
            {
                waiter.Completion.TrySetResult(item);
            }
        }
    }

    /// <summary>Fails every current and future wait: the source has gone away.</summary>
    public void Close(string reason)
    {
        List<Waiter> waiters;
        lock (_gate)
        {
            _closedReason ??= reason;
            waiters = [.. _waiters];
            _waiters.Clear();
        }

        foreach (var waiter in waiters)
        {
            waiter.Completion.TrySetException(new InvalidOperationException(reason));
        }
    }

    /// <summary>
    /// The first held or later item that matches; throws <see cref="TimeoutException"/> with the
    /// text of <paramref name="describe"/> when none comes within <paramref name="timeout"/>.
    /// </summary>
    public async Task<T> WaitAsync(Func<T, bool> predicate, TimeSpan timeout, Func<string> describe, CancellationToken cancellationToken = default)
    {
        var waiter = new Waiter(predicate);
        lock (_gate)
        {
            foreach (var item in _items)
            {
                if (predicate(item))
                {
                    return item;
                }
            }

            if (_closedReason is not null)
            {
                throw new InvalidOperationException(_closedReason + Environment.NewLine + describe());
            }

            _waiters.Add(waiter);
        }

        try
        {
            return await waiter.Completion.Task.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"Nothing matching arrived within {timeout.TotalSeconds:0.#} s.{Environment.NewLine}{describe()}");
        }
        catch (InvalidOperationException e)
        {
            throw new InvalidOperationException(e.Message + Environment.NewLine + describe(), e);
        }
        finally
        {
            lock (_gate)
            {
                _waiters.Remove(waiter);
            }
        }
    }

    private sealed class Waiter(Func<T, bool> predicate)
    {
        public Func<T, bool> Predicate { get; } = predicate;

        public TaskCompletionSource<T> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
