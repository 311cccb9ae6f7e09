using System.Buffers;
using System.Collections.Concurrent;
using System.Threading.Channels;
using DhtNet.Internal;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace DhtNet.LibP2p.Yamux;

/// <summary>
/// A yamux session over a secured connection: many <see cref="YamuxStream"/>s with per-stream flow
/// control. The read loop never waits on a write (ACKs, pongs, resets and window updates queue up,
/// bounded), so a peer that stops reading is detected instead of stalling everything; a peer that
/// breaks the protocol ends this session alone, with a GoAway.
/// </summary>
public sealed class YamuxSession : IAsyncDisposable
{
    /// <summary>The multistream-select id of yamux.</summary>
    public const string ProtocolId = "/yamux/1.0.0";

    /// <summary>Streams opened and not yet acknowledged, beyond which opening waits for the peer (the spec's ACK backlog).</summary>
    public const int MaxAckBacklog = 256;

    private static readonly TimeSpan GoAwayGrace = TimeSpan.FromSeconds(1);

    private readonly Stream _transport;
    private readonly YamuxOptions _options;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<uint, YamuxStream> _streams = new();
    private readonly Channel<YamuxStream> _accept = Channel.CreateUnbounded<YamuxStream>(new UnboundedChannelOptions { SingleReader = false, SingleWriter = true });
    private readonly ConcurrentQueue<YamuxHeader> _control = new();
    private readonly ConcurrentDictionary<uint, TaskCompletionSource> _pings = new();
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly CancellationTokenSource _closing = new();
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly byte[] _dataHeader = new byte[YamuxHeader.Size];
    private readonly object _openGate = new();
    private uint _nextLocalId;
    private uint _lastRemoteId;
    private int _controlCount;
    private int _pingId;
    private int _started;
    private volatile bool _remoteGoAway;
    private long _buffered;
    private TaskCompletionSource? _drained;
    private TaskCompletionSource? _controlWritten;
    private Exception? _closeReason;

    /// <summary>
    /// A session over <paramref name="transport"/> (already secured); the client side opens odd stream
    /// ids, the server side even ones. Nothing is read until <see cref="Start"/>.
    /// </summary>
    public YamuxSession(Stream transport, bool isClient, YamuxOptions? options = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(transport);
        _transport = transport;
        _options = options ?? new YamuxOptions();
        _options.Validate();
        _logger = logger ?? NullLogger.Instance;
        IsClient = isClient;
        _nextLocalId = isClient ? 1u : 2u;
    }

    /// <summary>True on the dialing side (odd stream ids).</summary>
    public bool IsClient { get; }

    /// <summary>Streams open now, in both directions.</summary>
    public int StreamCount => _streams.Count;

    /// <summary>True once the session has ended; <see cref="CloseReason"/> says why.</summary>
    public bool IsClosed => Volatile.Read(ref _closeReason) is not null;

    /// <summary>Why the session ended, or null while it runs.</summary>
    public Exception? CloseReason => Volatile.Read(ref _closeReason);

    /// <summary>Completes (never faults) once the session has ended and its streams are reset.</summary>
    public Task Completion => _completion.Task;

    internal int MaxFrameSize => _options.MaxFrameSize;

    /// <summary>Received bytes no stream's reader has taken yet, over all streams.</summary>
    public long BufferedBytes => Interlocked.Read(ref _buffered);

    /// <summary>Starts reading frames (and the keep-alive pings).</summary>
    public void Start()
    {
        if (Interlocked.Exchange(ref _started, 1) != 0)
        {
            throw new InvalidOperationException("The session is already started.");
        }

        ReadLoopAsync().Observe(_logger, "yamux read loop");
        if (_options.KeepAliveInterval != Timeout.InfiniteTimeSpan)
        {
            KeepAliveAsync().Observe(_logger, "yamux keep-alive");
        }
    }

    /// <summary>
    /// Opens a stream (SYN); data may be written at once. Throws <see cref="InvalidOperationException"/>
    /// when <see cref="YamuxOptions.MaxStreams"/> streams are open or the ACK backlog is full, and
    /// <see cref="IOException"/> when the session has closed or the peer sent GoAway.
    /// </summary>
    public YamuxStream OpenStream()
    {
        YamuxStream stream;
        lock (_openGate)
        {
            ThrowIfClosed();
            if (_remoteGoAway)
            {
                throw new IOException("yamux: the peer sent GoAway; no new streams.");
            }

            if (_streams.Count >= _options.MaxStreams)
            {
                throw new InvalidOperationException($"yamux: {_options.MaxStreams} streams are open.");
            }

            int unacknowledged = 0;
            foreach (var open in _streams.Values)
            {
                if (!open.IsInbound && !open.IsAcknowledged && ++unacknowledged >= MaxAckBacklog)
                {
                    throw new InvalidOperationException($"yamux: {MaxAckBacklog} streams wait for the peer's ACK.");
                }
            }

            if (_nextLocalId > uint.MaxValue - 2)
            {
                throw new IOException("yamux: stream ids are used up; open a new connection.");
            }

            uint id = _nextLocalId;
            _nextLocalId += 2;
            stream = new YamuxStream(this, id, inbound: false, _options.ReceiveWindowSize);
            _streams[id] = stream;
        }

        SendControl(new YamuxHeader(YamuxFrameType.WindowUpdate, YamuxFlags.Syn, stream.Id, ExtraWindow));
        return stream;
    }

    /// <summary>The next stream the peer opened, or null once the session has closed.</summary>
    public async ValueTask<YamuxStream?> AcceptStreamAsync(CancellationToken cancellationToken = default)
    {
        while (await _accept.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
        {
            if (_accept.Reader.TryRead(out var stream))
            {
                return stream;
            }
        }

        return null;
    }

    /// <summary>Sends a ping and returns the round-trip time; <see cref="TimeoutException"/> after <paramref name="timeout"/>.</summary>
    public async Task<TimeSpan> PingAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ThrowIfClosed();
        uint id = (uint)Interlocked.Increment(ref _pingId);
        var pong = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _pings[id] = pong;
        try
        {
            long started = _options.TimeProvider.GetTimestamp();
            SendControl(new YamuxHeader(YamuxFrameType.Ping, YamuxFlags.Syn, 0, id));
            await pong.Task.WaitAsync(timeout, _options.TimeProvider, cancellationToken).ConfigureAwait(false);
            return _options.TimeProvider.GetElapsedTime(started);
        }
        finally
        {
            _pings.TryRemove(id, out _);
        }
    }

    /// <summary>Sends GoAway (normal), then closes the connection; open streams are reset.</summary>
    public async Task CloseAsync()
    {
        if (IsClosed)
        {
            return;
        }

        SendControl(new YamuxHeader(YamuxFrameType.GoAway, YamuxFlags.None, 0, (uint)YamuxGoAwayCode.Normal));
        await DrainWritesAsync().ConfigureAwait(false);
        Fail(new IOException("yamux: the session was closed locally."), YamuxGoAwayCode.Normal, sendGoAway: false);
        await Completion.ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync() => await CloseAsync().ConfigureAwait(false);

    /// <summary>Queues a frame without a payload; the read loop and disposals never wait on the connection.</summary>
    internal void SendControl(YamuxHeader header)
    {
        if (IsClosed)
        {
            return;
        }

        // The read loop stops at MaxControlBacklog (WaitForControlWritesAsync); past twice that, frames
        // the application queued too (window updates, resets of disposed streams) still found no reader.
        if (Interlocked.Increment(ref _controlCount) > 2 * _options.MaxControlBacklog)
        {
            Fail(NotReading(), YamuxGoAwayCode.InternalError, sendGoAway: false);
            return;
        }

        _control.Enqueue(header);
        if (_writeLock.Wait(0))
        {
            FlushControlAndReleaseAsync(null).Observe(_logger, "yamux control frames");
        }
    }

    internal async ValueTask WriteDataAsync(YamuxStream stream, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        Exception? failure = null;
        try
        {
            ThrowIfClosed();

            // Queued control frames go first: the stream's SYN may still be among them, and data must not overtake it.
            await WriteControlFramesAsync().ConfigureAwait(false);
            new YamuxHeader(YamuxFrameType.Data, YamuxFlags.None, stream.Id, (uint)payload.Length).Write(_dataHeader);

            // Not cancellable: a frame cut in half would corrupt the session for every stream.
            await _transport.WriteAsync(_dataHeader, CancellationToken.None).ConfigureAwait(false);
            await _transport.WriteAsync(payload, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            failure = e;
        }

        await FlushControlAndReleaseAsync(failure).ConfigureAwait(false);
        if (failure is not null)
        {
            throw new StreamResetException($"yamux stream {stream.Id}: the connection failed.", failure);
        }
    }

    /// <summary>Counts bytes into (positive) and out of (negative) the streams' buffers; wakes a paused read loop.</summary>
    internal void AddBuffered(long delta)
    {
        if (Interlocked.Add(ref _buffered, delta) <= _options.MaxBufferedBytes && delta < 0)
        {
            Interlocked.Exchange(ref _drained, null)?.TrySetResult();
        }
    }

    internal void Remove(YamuxStream stream) => _streams.TryRemove(new KeyValuePair<uint, YamuxStream>(stream.Id, stream));

    private uint ExtraWindow => (uint)(_options.ReceiveWindowSize - YamuxOptions.DefaultWindowSize);

    // Called holding the write lock: writes queued control frames, flushes, releases, and takes the lock
    // again when frames arrived meanwhile, so a frame queued while someone else held the lock is never stranded.
    private async Task FlushControlAndReleaseAsync(Exception? failure)
    {
        while (true)
        {
            if (failure is null && !IsClosed)
            {
                try
                {
                    await WriteControlFramesAsync().ConfigureAwait(false);
                    await _transport.FlushAsync(CancellationToken.None).ConfigureAwait(false);
                }
                catch (Exception e)
                {
                    failure = e;
                }
            }

            if (failure is not null)
            {
                Fail(failure, YamuxGoAwayCode.InternalError, sendGoAway: false);
            }

            _writeLock.Release();
            if (_control.IsEmpty || IsClosed || !_writeLock.Wait(0))
            {
                return;
            }

            failure = null;
        }
    }

    private async Task WriteControlFramesAsync()
    {
        int count = Volatile.Read(ref _controlCount);
        if (count <= 0)
        {
            return;
        }

        byte[] buffer = ArrayPool<byte>.Shared.Rent(Math.Min(count, _options.MaxControlBacklog) * YamuxHeader.Size);
        try
        {
            int length = 0;
            while (length + YamuxHeader.Size <= buffer.Length && _control.TryDequeue(out var header))
            {
                Interlocked.Decrement(ref _controlCount);
                header.Write(buffer.AsSpan(length));
                length += YamuxHeader.Size;
            }

            if (length > 0)
            {
                await _transport.WriteAsync(buffer.AsMemory(0, length), CancellationToken.None).ConfigureAwait(false);
            }

            Interlocked.Exchange(ref _controlWritten, null)?.TrySetResult();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private async Task DrainWritesAsync()
    {
        try
        {
            if (await _writeLock.WaitAsync(GoAwayGrace).ConfigureAwait(false))
            {
                await FlushControlAndReleaseAsync(null).ConfigureAwait(false);
            }
        }
        catch (ObjectDisposedException)
        {
            // Closed meanwhile.
        }
    }

    private async Task ReadLoopAsync()
    {
        byte[] headerBytes = new byte[YamuxHeader.Size];
        var token = _closing.Token;
        try
        {
            while (true)
            {
                await WaitForReadersAsync(token).ConfigureAwait(false);
                if (!await WaitForControlWritesAsync(token).ConfigureAwait(false))
                {
                    Fail(NotReading(), YamuxGoAwayCode.InternalError, sendGoAway: false);
                    return;
                }
                int got = 0;
                while (got < YamuxHeader.Size)
                {
                    int n = await _transport.ReadAsync(headerBytes.AsMemory(got), token).ConfigureAwait(false);
                    if (n == 0)
                    {
                        if (got == 0)
                        {
                            Fail(new IOException("yamux: the peer closed the connection."), YamuxGoAwayCode.Normal, sendGoAway: false);
                            return;
                        }

                        throw new LibP2pProtocolException("yamux: the connection ended inside a frame header.");
                    }

                    got += n;
                }

                var header = YamuxHeader.Read(headerBytes);
                switch (header.Type)
                {
                    case YamuxFrameType.Data:
                        await OnDataFrameAsync(header, token).ConfigureAwait(false);
                        break;
                    case YamuxFrameType.WindowUpdate:
                        OnStreamFrame(header, null);
                        break;
                    case YamuxFrameType.Ping:
                        OnPing(header);
                        break;
                    case YamuxFrameType.GoAway:
                        OnGoAway(header);
                        break;
                }
            }
        }
        catch (Exception e) when (IsClosed)
        {
            // The session ended (locally or after a failure) while the loop waited: nothing more to do.
            _ = e;
        }
        catch (LibP2pProtocolException e)
        {
            Fail(e, YamuxGoAwayCode.ProtocolError, sendGoAway: true);
        }
        catch (Exception e)
        {
            Fail(e, YamuxGoAwayCode.InternalError, sendGoAway: false);
        }
    }

    // Backpressure across streams: while the application leaves too much unread, read nothing more.
    private async Task WaitForReadersAsync(CancellationToken token)
    {
        while (BufferedBytes > _options.MaxBufferedBytes)
        {
            var drained = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            Interlocked.Exchange(ref _drained, drained);
            if (BufferedBytes <= _options.MaxBufferedBytes)
            {
                return;
            }

            await drained.Task.WaitAsync(token).ConfigureAwait(false);
        }
    }

    // Backpressure on answers: while MaxControlBacklog control frames wait for the peer to read, read
    // nothing more from it (each frame read queues at most one). A peer that keeps reading, however
    // slowly, is only slowed down; one that reads nothing for ControlWriteTimeout is not reading (false).
    private async Task<bool> WaitForControlWritesAsync(CancellationToken token)
    {
        while (Volatile.Read(ref _controlCount) >= _options.MaxControlBacklog)
        {
            var written = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            Interlocked.Exchange(ref _controlWritten, written);
            if (Volatile.Read(ref _controlCount) < _options.MaxControlBacklog)
            {
                return true;
            }

            try
            {
                await written.Task.WaitAsync(_options.ControlWriteTimeout, _options.TimeProvider, token).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                return false;
            }
        }

        return true;
    }

    private LibP2pProtocolException NotReading() =>
        new($"yamux: {Volatile.Read(ref _controlCount)} control frames wait behind a write; the peer does not read.");

    private async Task OnDataFrameAsync(YamuxHeader header, CancellationToken token)
    {
        if (header.Length > (uint)_options.ReceiveWindowSize)
        {
            throw new LibP2pProtocolException($"yamux: a data frame of {header.Length} bytes exceeds any window.");
        }

        int length = (int)header.Length;
        byte[]? payload = null;
        if (length > 0)
        {
            payload = ArrayPool<byte>.Shared.Rent(length);
            try
            {
                await _transport.ReadExactlyAsync(payload.AsMemory(0, length), token).ConfigureAwait(false);
            }
            catch (EndOfStreamException e)
            {
                ArrayPool<byte>.Shared.Return(payload);
                throw new LibP2pProtocolException("yamux: the connection ended inside a data frame.", e);
            }
            catch
            {
                ArrayPool<byte>.Shared.Return(payload);
                throw;
            }
        }

        OnStreamFrame(header, payload);
    }

    // Frames addressed to a stream; payload (rented) is handed on or returned here.
    private void OnStreamFrame(YamuxHeader header, byte[]? payload)
    {
        uint id = header.StreamId;
        var stream = FindStream(header);
        if (stream is null)
        {
            if (payload is not null)
            {
                ArrayPool<byte>.Shared.Return(payload);
            }

            return;
        }

        bool acknowledged = (header.Flags & YamuxFlags.Ack) != 0;
        if (header.Type == YamuxFrameType.WindowUpdate || acknowledged)
        {
            uint delta = header.Type == YamuxFrameType.WindowUpdate ? header.Length : 0;
            if (!stream.OnWindowUpdate(delta, acknowledged))
            {
                throw new LibP2pProtocolException($"yamux: stream {id}'s window grew past 4 GiB.");
            }
        }

        if (payload is not null)
        {
            switch (stream.OnData(payload, (int)header.Length))
            {
                case YamuxStream.DataOutcome.WindowExceeded:
                    throw new LibP2pProtocolException($"yamux: stream {id} sent {header.Length} bytes beyond its window.");
                case YamuxStream.DataOutcome.Unwanted:
                    SendControl(new YamuxHeader(YamuxFrameType.WindowUpdate, YamuxFlags.Rst, id, 0));
                    stream.OnRemoteReset();
                    return;
            }
        }

        if ((header.Flags & YamuxFlags.Rst) != 0)
        {
            stream.OnRemoteReset();
        }
        else if ((header.Flags & YamuxFlags.Fin) != 0)
        {
            stream.OnRemoteClose();
        }
    }

    private YamuxStream? FindStream(YamuxHeader header)
    {
        uint id = header.StreamId;
        if (id == 0)
        {
            throw new LibP2pProtocolException("yamux: a data or window frame for stream 0.");
        }

        bool remoteParity = (id % 2 == 1) != IsClient;
        if ((header.Flags & YamuxFlags.Syn) == 0)
        {
            if (_streams.TryGetValue(id, out var known))
            {
                return known;
            }

            bool neverOpened = remoteParity ? id > _lastRemoteId : id >= _nextLocalId;
            if (neverOpened)
            {
                throw new LibP2pProtocolException($"yamux: a frame for stream {id}, which was never opened.");
            }

            // A stream that has ended: late frames are expected after a reset and are dropped.
            return null;
        }

        if (!remoteParity)
        {
            throw new LibP2pProtocolException($"yamux: the peer opened stream {id}, whose id belongs to this side.");
        }

        if (id <= _lastRemoteId)
        {
            throw new LibP2pProtocolException($"yamux: the peer opened stream {id} again.");
        }

        _lastRemoteId = id;
        if (_remoteGoAway || IsClosed || _streams.Count >= _options.MaxStreams || _accept.Reader.Count >= _options.MaxAcceptBacklog)
        {
            Log.StreamRefused(_logger, id, _streams.Count);
            SendControl(new YamuxHeader(YamuxFrameType.WindowUpdate, YamuxFlags.Rst, id, 0));
            return null;
        }

        var stream = new YamuxStream(this, id, inbound: true, _options.ReceiveWindowSize);
        _streams[id] = stream;
        SendControl(new YamuxHeader(YamuxFrameType.WindowUpdate, YamuxFlags.Ack, id, ExtraWindow));
        _accept.Writer.TryWrite(stream);
        return stream;
    }

    private void OnPing(YamuxHeader header)
    {
        if (header.StreamId != 0)
        {
            throw new LibP2pProtocolException("yamux: a ping on a stream.");
        }

        if ((header.Flags & YamuxFlags.Syn) != 0)
        {
            SendControl(new YamuxHeader(YamuxFrameType.Ping, YamuxFlags.Ack, 0, header.Length));
        }
        else if ((header.Flags & YamuxFlags.Ack) != 0 && _pings.TryGetValue(header.Length, out var pong))
        {
            pong.TrySetResult();
        }
    }

    private void OnGoAway(YamuxHeader header)
    {
        if (header.StreamId != 0)
        {
            throw new LibP2pProtocolException("yamux: GoAway on a stream.");
        }

        _remoteGoAway = true;
        Log.GoAwayReceived(_logger, header.Length);
    }

    private async Task KeepAliveAsync()
    {
        var token = _closing.Token;
        while (!token.IsCancellationRequested)
        {
            await Task.Delay(_options.KeepAliveInterval, _options.TimeProvider, token).ConfigureAwait(false);
            try
            {
                await PingAsync(_options.KeepAliveTimeout, token).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                Fail(new LibP2pProtocolException($"yamux: no answer to a keep-alive ping within {_options.KeepAliveTimeout.TotalSeconds:0.#} s."), YamuxGoAwayCode.InternalError, sendGoAway: false);
                return;
            }
        }
    }

    private void Fail(Exception reason, YamuxGoAwayCode code, bool sendGoAway)
    {
        if (Interlocked.CompareExchange(ref _closeReason, reason, null) is not null)
        {
            return;
        }

        if (code != YamuxGoAwayCode.Normal)
        {
            Log.SessionFailed(_logger, reason);
        }

        _accept.Writer.TryComplete();
        foreach (var stream in _streams.Values)
        {
            stream.OnSessionClosed(reason);
        }

        foreach (var ping in _pings.Values)
        {
            ping.TrySetException(new IOException("yamux: the session closed.", reason));
        }

        _closing.Cancel();
        CloseTransportAsync(sendGoAway ? code : null).Observe(_logger, "yamux close");
    }

    private async Task CloseTransportAsync(YamuxGoAwayCode? goAway)
    {
        try
        {
            if (goAway is { } code && await _writeLock.WaitAsync(GoAwayGrace).ConfigureAwait(false))
            {
                // Best effort: tell the peer why before the connection drops; a peer that does not read gets nothing.
                byte[] frame = new byte[YamuxHeader.Size];
                new YamuxHeader(YamuxFrameType.GoAway, YamuxFlags.None, 0, (uint)code).Write(frame);
                using var grace = new CancellationTokenSource(GoAwayGrace);
                try
                {
                    await _transport.WriteAsync(frame, grace.Token).ConfigureAwait(false);
                    await _transport.FlushAsync(grace.Token).ConfigureAwait(false);
                }
                catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException)
                {
                    // The connection is going anyway.
                }
                finally
                {
                    _writeLock.Release();
                }
            }
        }
        finally
        {
            await _transport.DisposeAsync().ConfigureAwait(false);
            _completion.TrySetResult();
        }
    }

    private void ThrowIfClosed()
    {
        if (Volatile.Read(ref _closeReason) is { } reason)
        {
            throw new IOException("yamux: the session has closed.", reason);
        }
    }
}
