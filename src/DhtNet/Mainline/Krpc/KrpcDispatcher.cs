using System.Buffers.Binary;
using System.Diagnostics.Metrics;
using System.Net;
using DhtNet.Mainline.Bencode;
using DhtNet.Mainline.Transport;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace DhtNet.Mainline.Krpc;

/// <summary>
/// Sends and receives KRPC over one <see cref="IDatagramTransport"/>: decodes each datagram once,
/// hands queries to an <see cref="IKrpcQueryHandler"/> and sends its reply (with our <c>v</c>
/// and the BEP 42 <c>ip</c>), and matches responses and errors to pending queries by transaction
/// id and sender address. The pending table is bounded; timeouts run on the injected
/// <see cref="TimeProvider"/>. The receive path never throws: failures are counted and logged.
/// </summary>
internal sealed class KrpcDispatcher : IDisposable
{
    private const string ServerErrorText = "server error";

    private static readonly TimerCallback OnTimeoutCallback = static state => ((PendingQuery)state!).Owner.Expire((PendingQuery)state);
    private static readonly Action<object?> OnCancelCallback = static state => ((PendingQuery)state!).Owner.Cancel((PendingQuery)state);

    // The outcomes decided before anything is sent, shared: the task of a result is immutable.
    private static readonly Task<KrpcResult> AbandonedTask = Task.FromResult(KrpcResult.Failed(KrpcResultStatus.Abandoned));
    private static readonly Task<KrpcResult> DisposedTask = Task.FromResult(KrpcResult.Failed(KrpcResultStatus.Disposed));
    private static readonly Task<KrpcResult> TooManyPendingTask = Task.FromResult(KrpcResult.Failed(KrpcResultStatus.TooManyPending));

    private readonly IDatagramTransport _transport;
    private readonly IKrpcQueryHandler _handler;
    private readonly TimeProvider _timeProvider;
    private readonly KrpcDispatcherOptions _options;
    private readonly ILogger _logger;
    private readonly Lock _lock = new();
    private readonly Dictionary<ushort, PendingQuery> _pending = [];
    private bool _started;
    private bool _disposed;

    private long _queriesReceived;
    private readonly long[] _queriesServed = new long[Enum.GetValues<KrpcMethod>().Length];
    private long _queriesSent;
    private long _responsesSent;
    private long _errorsSent;
    private long _responsesMatched;
    private long _errorsReceived;
    private long _unmatched;
    private long _wrongSource;
    private long _malformed;
    private long _timeouts;
    private long _sendFailures;
    private long _rejected;
    private long _handlerFailures;

    /// <param name="transport">The datagram transport; not owned (not disposed here).</param>
    /// <param name="handler">Answers incoming queries.</param>
    /// <param name="timeProvider">Clock for timeouts and round-trip times.</param>
    /// <param name="options">Limits and our version; defaults when null.</param>
    /// <param name="logger">Where receive-path failures are logged; none when null.</param>
    /// <param name="meterFactory">When given, the counters below are observable on the "DhtNet.Krpc" meter.</param>
    public KrpcDispatcher(
        IDatagramTransport transport,
        IKrpcQueryHandler handler,
        TimeProvider timeProvider,
        KrpcDispatcherOptions? options = null,
        ILogger? logger = null,
        IMeterFactory? meterFactory = null)
    {
        ArgumentNullException.ThrowIfNull(transport);
        ArgumentNullException.ThrowIfNull(handler);
        ArgumentNullException.ThrowIfNull(timeProvider);
        _transport = transport;
        _handler = handler;
        _timeProvider = timeProvider;
        _options = options ?? new KrpcDispatcherOptions();
        _logger = logger ?? NullLogger.Instance;
        if (meterFactory is not null)
        {
            KrpcMetrics.Observe(meterFactory, this);
        }
    }

    /// <summary>Raised for every valid incoming query and every matched response (not for errors).</summary>
    public event Action<KrpcNodeSeen>? NodeSeen;

    /// <summary>Queries received (valid or not).</summary>
    public long QueriesReceived => Interlocked.Read(ref _queriesReceived);

    /// <summary>Valid queries of <paramref name="method"/> received and handed to the handler.</summary>
    public long QueriesServed(KrpcMethod method) => Interlocked.Read(ref _queriesServed[(int)method]);

    /// <summary>Queries handed to the transport.</summary>
    public long QueriesSent => Interlocked.Read(ref _queriesSent);

    /// <summary>Responses sent to queries.</summary>
    public long ResponsesSent => Interlocked.Read(ref _responsesSent);

    /// <summary>Errors sent (by the handler, or 202/203/204 by the dispatcher).</summary>
    public long ErrorsSent => Interlocked.Read(ref _errorsSent);

    /// <summary>Valid responses matched to a pending query.</summary>
    public long ResponsesMatched => Interlocked.Read(ref _responsesMatched);

    /// <summary>Errors matched to a pending query.</summary>
    public long ErrorsReceived => Interlocked.Read(ref _errorsReceived);

    /// <summary>Responses and errors that matched no pending query (unknown id, late, or wrong sender).</summary>
    public long Unmatched => Interlocked.Read(ref _unmatched);

    /// <summary>Replies whose transaction id was pending but which came from another address (also in <see cref="Unmatched"/>).</summary>
    public long WrongSource => Interlocked.Read(ref _wrongSource);

    /// <summary>Datagrams that did not decode: bad bencode, bad envelope, bad arguments, bad response body.</summary>
    public long Malformed => Interlocked.Read(ref _malformed);

    /// <summary>Queries that got no answer in time.</summary>
    public long Timeouts => Interlocked.Read(ref _timeouts);

    /// <summary>Datagrams the transport refused.</summary>
    public long SendFailures => Interlocked.Read(ref _sendFailures);

    /// <summary>Queries refused because the pending table was full.</summary>
    public long Rejected => Interlocked.Read(ref _rejected);

    /// <summary>Handler exceptions and unencodable replies (answered with 202), plus unexpected receive failures.</summary>
    public long HandlerFailures => Interlocked.Read(ref _handlerFailures);

    /// <summary>Queries awaiting an answer.</summary>
    public int PendingCount
    {
        get
        {
            lock (_lock)
            {
                return _pending.Count;
            }
        }
    }

    /// <summary>Starts receiving from the transport. Call once, after subscribing to <see cref="NodeSeen"/>.</summary>
    public void Start()
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_started)
            {
                throw new InvalidOperationException("The dispatcher is already started.");
            }

            _started = true;
        }

        _transport.Start(OnDatagram);
    }

    /// <summary>
    /// Sends <paramref name="query"/> (its own <c>t</c> and <c>v</c> are replaced by a fresh 2-byte
    /// transaction id and our version) and completes with the response, the node's error, or a
    /// failure status; it never faults for network reasons. Cancelling removes the pending entry
    /// and cancels the task. A query that cannot be encoded throws <see cref="InvalidOperationException"/>.
    /// </summary>
    public Task<KrpcResult> SendQueryAsync(KrpcQuery query, IPEndPoint destination, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        SendQueryAsync(query, destination, timeout, abandonable: false, cancellationToken);

    /// <summary>
    /// Sends <paramref name="query"/> as <see cref="SendQueryAsync(KrpcQuery, IPEndPoint, TimeSpan, CancellationToken)"/>
    /// does; when <paramref name="abandonable"/>, cancelling removes the pending entry at once and
    /// completes the task with <see cref="KrpcResultStatus.Abandoned"/> instead of cancelling it. A
    /// lookup that ends abandons the requests it still has out: that is its normal end, and an
    /// exception thrown through every await above each of them cost more than the lookup itself.
    /// </summary>
    public Task<KrpcResult> SendQueryAsync(KrpcQuery query, IPEndPoint destination, TimeSpan timeout, bool abandonable, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(destination);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeout, TimeSpan.Zero);
        if (cancellationToken.IsCancellationRequested)
        {
            return abandonable ? AbandonedTask : Task.FromCanceled<KrpcResult>(cancellationToken);
        }

        var entry = new PendingQuery(this, query.Method, Normalize(destination), _timeProvider.GetTimestamp(), cancellationToken, abandonable);
        lock (_lock)
        {
            if (_disposed)
            {
                return DisposedTask;
            }

            if (_pending.Count >= _options.MaxPendingQueries)
            {
                Interlocked.Increment(ref _rejected);
                return TooManyPendingTask;
            }

            entry.TransactionId = AllocateTransactionId();
            _pending.Add(entry.TransactionId, entry);
        }

        Span<byte> transactionId = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(transactionId, entry.TransactionId);
        Span<byte> buffer = stackalloc byte[KrpcCodec.MaxItemPayload];
        int length;
        try
        {
            length = KrpcCodec.Encode(query, buffer, transactionId, _options.Version.Span, null, query.ReadOnly || _options.ReadOnly);
        }
        catch
        {
            TryRemove(entry, out _, out _);
            throw;
        }

        // Arm timeout and cancellation before sending: on an in-memory transport the answer can
        // arrive inside Send. If the entry completed meanwhile, they are disposed at once.
        var timer = _timeProvider.CreateTimer(OnTimeoutCallback, entry, timeout, Timeout.InfiniteTimeSpan);
        var registration = cancellationToken.CanBeCanceled ? cancellationToken.UnsafeRegister(OnCancelCallback, entry) : default;
        bool stillPending;
        lock (_lock)
        {
            stillPending = IsPending(entry);
            if (stillPending)
            {
                entry.Timer = timer;
                entry.Registration = registration;
            }
        }

        if (!stillPending)
        {
            timer.Dispose();
            registration.Dispose();
            return entry.Completion.Task;
        }

        Interlocked.Increment(ref _queriesSent);
        if (!TrySend(buffer[..length], destination))
        {
            Complete(entry, KrpcResult.Failed(KrpcResultStatus.SendFailed));
        }

        return entry.Completion.Task;
    }

    /// <summary>Completes every pending query with <see cref="KrpcResultStatus.Disposed"/> and stops receiving.</summary>
    public void Dispose()
    {
        PendingQuery[] pending;
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            pending = [.. _pending.Values];
        }

        foreach (var entry in pending)
        {
            Complete(entry, KrpcResult.Failed(KrpcResultStatus.Disposed));
        }
    }

    private void OnDatagram(ReadOnlySpan<byte> datagram, IPEndPoint source)
    {
        try
        {
            if (Volatile.Read(ref _disposed))
            {
                return;
            }

            // Cheap checks before the decode: anything but a dictionary cannot be KRPC (and, having
            // no transaction id, gets no error reply), and a query from a sender over its rate is
            // dropped before it costs a parse.
            if (datagram.Length == 0 || datagram[0] != (byte)'d')
            {
                Interlocked.Increment(ref _malformed);
                return;
            }

            if (LooksLikeQuery(datagram))
            {
                if (!_handler.Admit(source))
                {
                    return;
                }

                if (_handler.AnswersInPlace && KrpcCodec.TryReadServedQuery(datagram, out var served))
                {
                    AnswerInPlace(served, source);
                    return;
                }
            }

            // One copy per datagram: decoded messages slice it, and the transport reuses its buffer.
            byte[] copy = datagram.ToArray();
            if (!KrpcCodec.TryReadEnvelope(copy, out var envelope, out var failure))
            {
                Interlocked.Increment(ref _malformed);
                Log.Malformed(_logger, source, failure.FailureReason);
                if (failure.ErrorReply is { } reply)
                {
                    SendReply(reply, reply.TransactionId.Span, source);
                }

                return;
            }

            if (envelope.Type == KrpcMessageType.Query)
            {
                OnQuery(envelope, source);
            }
            else
            {
                OnReply(envelope, source);
            }
        }
        catch (Exception e)
        {
            Interlocked.Increment(ref _handlerFailures);
            Log.ReceiveFailed(_logger, e, source);
        }
    }

    // The "y" key and its value "q", as a top-level or nested key would be written; a false positive
    // only means the sender is charged for a datagram that turns out not to be a query.
    private static bool LooksLikeQuery(ReadOnlySpan<byte> datagram) => datagram.IndexOf("1:y1:q"u8) >= 0;

    private void OnQuery(in KrpcEnvelope envelope, IPEndPoint source)
    {
        Interlocked.Increment(ref _queriesReceived);
        var decoded = KrpcCodec.DecodeQuery(envelope);
        if (!decoded.IsSuccess)
        {
            Interlocked.Increment(ref _malformed);
            Log.Malformed(_logger, source, decoded.FailureReason);
            if (decoded.ErrorReply is { } errorReply)
            {
                SendReply(errorReply, envelope.TransactionId.Span, source);
            }

            return;
        }

        var query = (KrpcQuery)decoded.Message;
        Interlocked.Increment(ref _queriesServed[(int)query.Method]);
        RaiseNodeSeen(new KrpcNodeSeen(query.SenderId, source, query.ReadOnly, IsResponse: false, query));

        KrpcMessage? reply;
        try
        {
            reply = _handler.Handle(query, source);
        }
        catch (Exception e)
        {
            Interlocked.Increment(ref _handlerFailures);
            Log.HandlerFailed(_logger, e, query.Method, source);
            reply = new KrpcError(KrpcErrorCode.Server, ServerErrorText);
        }

        if (reply is not null)
        {
            SendReply(reply, envelope.TransactionId.Span, source);
        }
    }

    // The common queries (ping, find_node, get_peers) read off the receive buffer and answered
    // into a stack buffer: no copy of the datagram, no message objects, nothing allocated.
    private void AnswerInPlace(in KrpcQueryView query, IPEndPoint source)
    {
        Interlocked.Increment(ref _queriesReceived);
        Interlocked.Increment(ref _queriesServed[(int)query.Method]);
        RaiseNodeSeen(new KrpcNodeSeen(query.SenderId, source, query.ReadOnly, IsResponse: false, Message: null));

        // BEP 43: a read-only node answers nothing.
        if (_options.ReadOnly)
        {
            return;
        }

        Span<byte> buffer = stackalloc byte[KrpcCodec.MaxPayload];
        int length;
        try
        {
            var writer = new BencodeWriter(buffer);
            var version = _options.Version.Span;
            writer.WriteStartDictionary();
            KrpcCodec.WriteResponseStart(ref writer, source);
            writer.WriteStartDictionary();
            var budget = new EncodeBudget(buffer.Length, KrpcCodec.EnvelopeTailSize(query.TransactionId, version));
            if (!_handler.WriteAnswer(query, source, ref writer, budget))
            {
                return;
            }

            writer.WriteEnd();
            KrpcCodec.WriteEnvelopeEnd(ref writer, query.TransactionId, version, "r"u8);
            length = (int)writer.BytesWritten;
        }
        catch (Exception e)
        {
            Interlocked.Increment(ref _handlerFailures);
            Log.HandlerFailed(_logger, e, query.Method, source);
            SendReply(new KrpcError(KrpcErrorCode.Server, ServerErrorText), query.TransactionId, source);
            return;
        }

        Interlocked.Increment(ref _responsesSent);
        TrySend(buffer[..length], source);
    }

    private void OnReply(in KrpcEnvelope envelope, IPEndPoint source)
    {
        int transaction = envelope.TransactionNumber;
        PendingQuery? entry = null;
        if (transaction >= 0)
        {
            lock (_lock)
            {
                _pending.TryGetValue((ushort)transaction, out entry);
            }
        }

        if (entry is null)
        {
            Interlocked.Increment(ref _unmatched);
            return;
        }

        if (!SameEndPoint(entry.Destination, source))
        {
            // Anyone can guess a 16-bit id; only the queried address may answer.
            Interlocked.Increment(ref _wrongSource);
            Interlocked.Increment(ref _unmatched);
            Log.WrongSource(_logger, transaction, source, entry.Destination);
            return;
        }

        var decoded = envelope.Type == KrpcMessageType.Response
            ? KrpcCodec.DecodeResponse(envelope, entry.Method)
            : KrpcCodec.DecodeError(envelope);
        var roundTrip = _timeProvider.GetElapsedTime(entry.StartTimestamp);

        if (!TryRemove(entry, out var timer, out var registration))
        {
            Interlocked.Increment(ref _unmatched); // completed meanwhile: timed out or cancelled
            return;
        }

        timer?.Dispose();
        registration.Dispose();

        KrpcResult result;
        switch (decoded.Message)
        {
            case KrpcResponse response:
                Interlocked.Increment(ref _responsesMatched);
                _handler.OnResponded(source);
                RaiseNodeSeen(new KrpcNodeSeen(response.SenderId, source, ReadOnly: false, IsResponse: true, response));
                result = KrpcResult.FromResponse(response, roundTrip);
                break;
            case KrpcError error:
                Interlocked.Increment(ref _errorsReceived);
                result = KrpcResult.FromError(error, roundTrip);
                break;
            default:
                Interlocked.Increment(ref _malformed);
                Log.Malformed(_logger, source, decoded.FailureReason);
                result = KrpcResult.Invalid(decoded.FailureReason ?? "invalid response", roundTrip);
                break;
        }

        entry.Completion.TrySetResult(result);
    }

    private void SendReply(KrpcMessage reply, ReadOnlySpan<byte> transactionId, IPEndPoint source)
    {
        // BEP 43: a read-only node answers nothing, not even malformed queries.
        if (_options.ReadOnly)
        {
            return;
        }

        Span<byte> buffer = stackalloc byte[KrpcCodec.MaxItemPayload];
        int length;
        try
        {
            if (reply is KrpcQuery)
            {
                throw new InvalidOperationException("A query handler must return a response or an error, not a query.");
            }

            length = KrpcCodec.Encode(reply, buffer, transactionId, _options.Version.Span, reply is KrpcResponse ? source : null, readOnly: false);
        }
        catch (Exception e)
        {
            Interlocked.Increment(ref _handlerFailures);
            Log.ReplyEncodeFailed(_logger, e, reply.GetType().Name, source);
            reply = new KrpcError(KrpcErrorCode.Server, ServerErrorText);
            length = KrpcCodec.Encode(reply, buffer, transactionId, _options.Version.Span, null, readOnly: false);
        }

        if (reply is KrpcError)
        {
            Interlocked.Increment(ref _errorsSent);
        }
        else
        {
            Interlocked.Increment(ref _responsesSent);
        }

        TrySend(buffer[..length], source);
    }

    private bool TrySend(ReadOnlySpan<byte> datagram, IPEndPoint destination)
    {
        bool sent;
        try
        {
            sent = _transport.Send(datagram, destination);
        }
        catch (Exception e)
        {
            Log.SendThrew(_logger, e, destination);
            sent = false;
        }

        if (!sent)
        {
            Interlocked.Increment(ref _sendFailures);
        }

        return sent;
    }

    private void Expire(PendingQuery entry)
    {
        if (Complete(entry, KrpcResult.Failed(KrpcResultStatus.Timeout)))
        {
            Interlocked.Increment(ref _timeouts);
        }
    }

    private void Cancel(PendingQuery entry)
    {
        if (entry.Abandonable)
        {
            Complete(entry, KrpcResult.Failed(KrpcResultStatus.Abandoned));
        }
        else if (TryRemove(entry, out var timer, out var registration))
        {
            timer?.Dispose();
            registration.Dispose();
            entry.Completion.TrySetCanceled(entry.CancellationToken);
        }
    }

    /// <summary>Removes the entry if still pending and completes it outside the lock.</summary>
    private bool Complete(PendingQuery entry, KrpcResult result)
    {
        if (!TryRemove(entry, out var timer, out var registration))
        {
            return false;
        }

        timer?.Dispose();
        registration.Dispose();
        entry.Completion.TrySetResult(result);
        return true;
    }

    private bool TryRemove(PendingQuery entry, out ITimer? timer, out CancellationTokenRegistration registration)
    {
        lock (_lock)
        {
            timer = entry.Timer;
            registration = entry.Registration;
            if (!IsPending(entry))
            {
                timer = null;
                registration = default;
                return false;
            }

            _pending.Remove(entry.TransactionId);
            entry.Timer = null;
            entry.Registration = default;
            return true;
        }
    }

    // Caller holds the lock.
    private bool IsPending(PendingQuery entry) =>
        _pending.TryGetValue(entry.TransactionId, out var current) && ReferenceEquals(current, entry);

    // Caller holds the lock; the table is never full here (MaxPendingQueries <= 32768 of 65536 ids).
    private ushort AllocateTransactionId()
    {
        // Random ids rather than a counter: an off-path attacker cannot predict the next one.
        for (int attempt = 0; attempt < 8; attempt++)
        {
            ushort id = (ushort)Random.Shared.Next(ushort.MaxValue + 1);
            if (!_pending.ContainsKey(id))
            {
                return id;
            }
        }

        ushort start = (ushort)Random.Shared.Next(ushort.MaxValue + 1);
        for (int i = 0; ; i++)
        {
            ushort id = (ushort)(start + i);
            if (!_pending.ContainsKey(id))
            {
                return id;
            }
        }
    }

    private void RaiseNodeSeen(in KrpcNodeSeen seen)
    {
        var handlers = NodeSeen;
        if (handlers is null)
        {
            return;
        }

        try
        {
            handlers(seen);
        }
        catch (Exception e)
        {
            Log.NodeSeenFailed(_logger, e);
        }
    }

    private static IPEndPoint Normalize(IPEndPoint endPoint) => endPoint.Unmapped();

    private static bool SameEndPoint(IPEndPoint expected, IPEndPoint actual) =>
        expected.Port == actual.Port && actual.Address.Unmapped().Equals(expected.Address);
}
