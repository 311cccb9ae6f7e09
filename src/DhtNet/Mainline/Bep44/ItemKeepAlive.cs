namespace DhtNet.Mainline.Bep44;

/// <summary>
/// Keeps a BEP 44 item alive: nodes drop an item about two hours after its last put, so this puts
/// it again every <see cref="Interval"/> (hourly by default) until disposed. A mutable item is put
/// again exactly as signed (<see cref="DhtNode.PutSignedAsync"/>), so no key is needed. The first
/// put is yours to make; <see cref="RefreshAsync"/> makes one at once.
/// </summary>
public sealed class ItemKeepAlive : IDisposable
{
    /// <summary>BEP 44: items should be put again hourly.</summary>
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromHours(1);

    private readonly Func<CancellationToken, Task<PutResult>> _put;
    private readonly CancellationTokenSource _stop = new();
    private readonly ITimer _timer;
    private PutResult? _lastResult;
    private Exception? _lastError;
    private int _refreshes;
    private int _running;
    private int _disposed;

    private ItemKeepAlive(DhtNode node, NodeId target, Func<CancellationToken, Task<PutResult>> put, TimeSpan? interval)
    {
        var every = interval ?? DefaultInterval;
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(every, TimeSpan.Zero, nameof(interval));
        Node = node;
        Target = target;
        Interval = every;
        _put = put;
        _timer = node.Options.TimeProvider.CreateTimer(static state => ((ItemKeepAlive)state!).OnTimer(), this, every, every);
    }

    /// <summary>A put again succeeded (its result) — it may still have been stored by few nodes.</summary>
    public event EventHandler<PutResult>? Refreshed;

    /// <summary>A put again failed (for example <see cref="DhtPutException"/> when a newer seq was published).</summary>
    public event EventHandler<Exception>? RefreshFailed;

    /// <summary>The node that puts the item.</summary>
    public DhtNode Node { get; }

    /// <summary>Where the item lives.</summary>
    public NodeId Target { get; }

    /// <summary>Time between puts.</summary>
    public TimeSpan Interval { get; }

    /// <summary>Puts made so far by this keep-alive (successful or not).</summary>
    public int Refreshes => Volatile.Read(ref _refreshes);

    /// <summary>The result of the last successful put again, or null.</summary>
    public PutResult? LastResult => Volatile.Read(ref _lastResult);

    /// <summary>The error of the last put again when it failed, or null when it succeeded.</summary>
    public Exception? LastError => Volatile.Read(ref _lastError);

    /// <summary>Keeps an immutable item (one canonical bencoded value of at most 1000 bytes) alive.</summary>
    public static ItemKeepAlive ForImmutable(DhtNode node, ReadOnlyMemory<byte> bencodedValue, TimeSpan? interval = null)
    {
        ArgumentNullException.ThrowIfNull(node);
        byte[] value = ItemRules.CheckCanonicalValue(bencodedValue, nameof(bencodedValue));
        return new ItemKeepAlive(node, ItemRules.ImmutableTarget(value), ct => node.PutAsync(value, ct), interval);
    }

    /// <summary>Keeps a signed mutable item alive, for example <see cref="PutResult.Item"/> of the first put.</summary>
    public static ItemKeepAlive ForMutable(DhtNode node, MutableItem item, TimeSpan? interval = null)
    {
        ArgumentNullException.ThrowIfNull(node);
        ItemRules.CheckSignedItem(item, nameof(item));

        return new ItemKeepAlive(node, item.Target, ct => node.PutSignedAsync(item, cancellationToken: ct), interval);
    }

    /// <summary>Puts the item again now (the timer keeps its schedule).</summary>
    public async Task<PutResult> RefreshAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stop.Token);
        Interlocked.Increment(ref _refreshes);
        PutResult result;
        try
        {
            result = await _put(linked.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Volatile.Write(ref _lastError, e);
            RefreshFailed?.Invoke(this, e);
            throw;
        }

        Volatile.Write(ref _lastResult, result);
        Volatile.Write(ref _lastError, null);
        Refreshed?.Invoke(this, result);
        return result;
    }

    /// <summary>Stops putting the item; a put in progress is abandoned. The item expires on its own.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _timer.Dispose();

        // Cancel, not CancelAsync: callbacks must run in step with a virtual clock.
        _stop.Cancel();
        _stop.Dispose();
    }

    private void OnTimer()
    {
        // A put still running (a slow network) is not doubled up.
        if (Volatile.Read(ref _disposed) != 0 || Interlocked.CompareExchange(ref _running, 1, 0) != 0)
        {
            return;
        }

        Task task;
        try
        {
            task = RefreshAsync();
        }
        catch (ObjectDisposedException)
        {
            Volatile.Write(ref _running, 0);
            return;
        }

        task.ContinueWith(
            static (t, state) =>
            {
                _ = t.Exception; // observed: reported through LastError and RefreshFailed
                Volatile.Write(ref ((ItemKeepAlive)state!)._running, 0);
            },
            this,
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }
}
