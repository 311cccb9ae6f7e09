using System.Buffers;
using DhtNet.LibP2p.Transport;

namespace DhtNet.LibP2p.Yamux;

/// <summary>
/// One yamux stream: a bidirectional byte stream with half-close (<see cref="CloseWrite"/>) and
/// <see cref="Reset"/>. Reading grants the peer more window, so a reader that stops stops the sender;
/// at most the receive window is ever buffered. Disposing half-closes and discards what comes later.
/// </summary>
public sealed class YamuxStream : DuplexStream
{
    private readonly YamuxSession _session;
    private readonly object _gate = new();
    private readonly Queue<Segment> _segments = new();
    private readonly int _windowSize;
    private readonly int _updateThreshold;
    private int _buffered;
    private int _headConsumed;
    private long _receiveWindow;
    private int _consumed;
    private long _sendWindow;
    private bool _remoteClosed;
    private bool _localClosed;
    private bool _disposed;
    private bool _removed;
    private bool _acknowledged;
    private Exception? _resetError;
    private TaskCompletionSource? _readWaiter;
    private TaskCompletionSource? _writeWaiter;

    internal YamuxStream(YamuxSession session, uint id, bool inbound, int windowSize)
    {
        _session = session;
        Id = id;
        IsInbound = inbound;
        _acknowledged = inbound;
        _windowSize = windowSize;
        _updateThreshold = windowSize / 2;
        _receiveWindow = windowSize;
        _sendWindow = YamuxOptions.DefaultWindowSize;
    }

    /// <summary>The yamux stream id: odd when the client side opened it, even for the server side.</summary>
    public uint Id { get; }

    /// <summary>True when the peer opened the stream.</summary>
    public bool IsInbound { get; }

    /// <summary>True once the peer has half-closed (sent FIN) and everything it sent has been read.</summary>
    public bool IsReadCompleted
    {
        get
        {
            lock (_gate)
            {
                return _remoteClosed && _buffered == 0;
            }
        }
    }

    /// <summary>Bytes received and not yet read.</summary>
    public int BufferedBytes
    {
        get
        {
            lock (_gate)
            {
                return _buffered;
            }
        }
    }

    /// <summary>The protocol negotiated on the stream, once its owner has set it.</summary>
    public string? Protocol { get; set; }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (buffer.IsEmpty)
        {
            return 0;
        }

        while (true)
        {
            Task wait;
            int read = 0;
            uint grant = 0;
            lock (_gate)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                if (_resetError is not null && _buffered == 0)
                {
                    throw new StreamResetException($"yamux stream {Id} was reset.", _resetError);
                }

                if (_buffered > 0)
                {
                    read = CopyOut(buffer.Span);
                    _consumed += read;
                    if (_consumed >= _updateThreshold && !_remoteClosed)
                    {
                        grant = (uint)_consumed;
                        _receiveWindow += _consumed;
                        _consumed = 0;
                    }
                }
                else if (_remoteClosed)
                {
                    return 0;
                }

                if (read > 0)
                {
                    wait = Task.CompletedTask;
                }
                else
                {
                    _readWaiter ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    wait = _readWaiter.Task;
                }
            }

            if (read > 0)
            {
                if (grant > 0)
                {
                    _session.SendControl(new YamuxHeader(YamuxFrameType.WindowUpdate, YamuxFlags.None, Id, grant));
                }

                return read;
            }

            await wait.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Sends <paramref name="buffer"/>, waiting while the peer's window is used up (backpressure).
    /// Throws <see cref="StreamResetException"/> when the stream is reset or its session closes.
    /// </summary>
    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (!buffer.IsEmpty)
        {
            Task? wait = null;
            int take = 0;
            lock (_gate)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                if (_resetError is not null)
                {
                    throw new StreamResetException($"yamux stream {Id} was reset.", _resetError);
                }

                if (_localClosed)
                {
                    throw new InvalidOperationException($"yamux stream {Id} is closed for writing.");
                }

                if (_sendWindow > 0)
                {
                    take = (int)Math.Min(Math.Min(buffer.Length, _sendWindow), _session.MaxFrameSize);
                    _sendWindow -= take;
                }
                else
                {
                    _writeWaiter ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    wait = _writeWaiter.Task;
                }
            }

            if (wait is not null)
            {
                await wait.WaitAsync(cancellationToken).ConfigureAwait(false);
                continue;
            }

            await _session.WriteDataAsync(this, buffer[..take], cancellationToken).ConfigureAwait(false);
            buffer = buffer[take..];
        }
    }

    /// <summary>Half-closes: sends FIN; the peer reads to the end, and this side can still read.</summary>
    public void CloseWrite()
    {
        lock (_gate)
        {
            if (_localClosed || _resetError is not null)
            {
                return;
            }

            _localClosed = true;
        }

        _session.SendControl(new YamuxHeader(YamuxFrameType.WindowUpdate, YamuxFlags.Fin, Id, 0));
        RemoveWhenDone();
    }

    /// <summary>Ends the stream at once in both directions (RST); buffered data is dropped.</summary>
    public void Reset()
    {
        if (SetReset(new StreamResetException($"yamux stream {Id} was reset locally.")))
        {
            _session.SendControl(new YamuxHeader(YamuxFrameType.WindowUpdate, YamuxFlags.Rst, Id, 0));
        }
    }

    public override string ToString() => $"yamux stream {Id}{(Protocol is null ? string.Empty : " " + Protocol)}";

    internal bool IsAcknowledged
    {
        get
        {
            lock (_gate)
            {
                return _acknowledged;
            }
        }
    }

    /// <summary>Data from the peer; false (payload returned to the pool) when the frame oversteps the window.</summary>
    internal DataOutcome OnData(byte[] payload, int length)
    {
        bool signal;
        lock (_gate)
        {
            if (length > _receiveWindow)
            {
                ArrayPool<byte>.Shared.Return(payload);
                return DataOutcome.WindowExceeded;
            }

            _receiveWindow -= length;
            if (_disposed || _resetError is not null || _remoteClosed)
            {
                // Nobody will read it: a disposed stream's peer is told to stop, other late data is dropped.
                ArrayPool<byte>.Shared.Return(payload);
                return _disposed && !_remoteClosed && _resetError is null ? DataOutcome.Unwanted : DataOutcome.Accepted;
            }

            _segments.Enqueue(new Segment(payload, length));
            _buffered += length;
            _session.AddBuffered(length);
            signal = true;
        }

        if (signal)
        {
            Wake(ref _readWaiter);
        }

        return DataOutcome.Accepted;
    }

    /// <summary>A window update; false when the peer grew the window past 2^32 - 1.</summary>
    internal bool OnWindowUpdate(uint delta, bool acknowledged)
    {
        lock (_gate)
        {
            if (acknowledged)
            {
                _acknowledged = true;
            }

            _sendWindow += delta;
            if (_sendWindow > uint.MaxValue)
            {
                return false;
            }
        }

        if (delta > 0)
        {
            Wake(ref _writeWaiter);
        }

        return true;
    }

    internal void OnRemoteClose()
    {
        lock (_gate)
        {
            _remoteClosed = true;
        }

        Wake(ref _readWaiter);
        RemoveWhenDone();
    }

    internal void OnRemoteReset() => SetReset(new StreamResetException($"yamux stream {Id} was reset by the peer."));

    internal void OnSessionClosed(Exception reason) => SetReset(reason);

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            bool sendFin;
            lock (_gate)
            {
                if (_disposed)
                {
                    return;
                }

                _disposed = true;
                sendFin = !_localClosed && _resetError is null;
                _localClosed = true;
                ReleaseSegments();
            }

            if (sendFin)
            {
                _session.SendControl(new YamuxHeader(YamuxFrameType.WindowUpdate, YamuxFlags.Fin, Id, 0));
            }

            Wake(ref _readWaiter);
            Wake(ref _writeWaiter);
            RemoveWhenDone();
        }

        base.Dispose(disposing);
    }

    private bool SetReset(Exception reason)
    {
        lock (_gate)
        {
            if (_resetError is not null || _removed)
            {
                return false;
            }

            _resetError = reason;
            ReleaseSegments();
        }

        Wake(ref _readWaiter);
        Wake(ref _writeWaiter);
        Remove();
        return true;
    }

    private void RemoveWhenDone()
    {
        bool done;
        lock (_gate)
        {
            done = _localClosed && _remoteClosed;
        }

        if (done)
        {
            Remove();
        }
    }

    private void Remove()
    {
        lock (_gate)
        {
            if (_removed)
            {
                return;
            }

            _removed = true;
        }

        _session.Remove(this);
    }

    private int CopyOut(Span<byte> destination)
    {
        int copied = 0;
        while (copied < destination.Length && _segments.TryPeek(out var segment))
        {
            int n = Math.Min(segment.Length - _headConsumed, destination.Length - copied);
            segment.Array.AsSpan(_headConsumed, n).CopyTo(destination[copied..]);
            copied += n;
            _headConsumed += n;
            if (_headConsumed == segment.Length)
            {
                _segments.Dequeue();
                ArrayPool<byte>.Shared.Return(segment.Array);
                _headConsumed = 0;
            }
        }

        _buffered -= copied;
        _session.AddBuffered(-copied);
        return copied;
    }

    private void ReleaseSegments()
    {
        while (_segments.TryDequeue(out var segment))
        {
            ArrayPool<byte>.Shared.Return(segment.Array);
        }

        _session.AddBuffered(-_buffered);
        _buffered = 0;
        _headConsumed = 0;
    }

    private void Wake(ref TaskCompletionSource? waiter)
    {
        TaskCompletionSource? toWake;
        lock (_gate)
        {
            toWake = waiter;
            waiter = null;
        }

        toWake?.TrySetResult();
    }

    internal enum DataOutcome
    {
        Accepted,
        WindowExceeded,
        Unwanted,
    }

    private readonly record struct Segment(byte[] Array, int Length);
}
