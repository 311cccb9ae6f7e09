namespace DhtNet.Mainline.Transport;

/// <summary>
/// Running totals for one transport. Read them at any time from any thread; each value is exact,
/// but two values read one after the other may straddle a datagram.
/// </summary>
public sealed class TransportCounters
{
    private long _datagramsSent;
    private long _bytesSent;
    private long _datagramsReceived;
    private long _bytesReceived;
    private long _sendFailures;
    private long _receiveErrors;
    private long _handlerFaults;
    private long _datagramsDropped;

    /// <summary>Datagrams handed to the network.</summary>
    public long DatagramsSent => Interlocked.Read(ref _datagramsSent);

    /// <summary>Payload bytes handed to the network.</summary>
    public long BytesSent => Interlocked.Read(ref _bytesSent);

    /// <summary>Datagrams passed to the handler.</summary>
    public long DatagramsReceived => Interlocked.Read(ref _datagramsReceived);

    /// <summary>Payload bytes passed to the handler.</summary>
    public long BytesReceived => Interlocked.Read(ref _bytesReceived);

    /// <summary>Sends that returned false (no socket for the family, socket error, offline).</summary>
    public long SendFailures => Interlocked.Read(ref _sendFailures);

    /// <summary>Errors reported by the socket while receiving; the receive loop carried on.</summary>
    public long ReceiveErrors => Interlocked.Read(ref _receiveErrors);

    /// <summary>Exceptions that escaped the handler; each was caught and the datagram dropped.</summary>
    public long HandlerFaults => Interlocked.Read(ref _handlerFaults);

    /// <summary>Received datagrams dropped before the handler (too large, not started yet).</summary>
    public long DatagramsDropped => Interlocked.Read(ref _datagramsDropped);

    internal void OnSent(int bytes)
    {
        Interlocked.Increment(ref _datagramsSent);
        Interlocked.Add(ref _bytesSent, bytes);
    }

    internal void OnReceived(int bytes)
    {
        Interlocked.Increment(ref _datagramsReceived);
        Interlocked.Add(ref _bytesReceived, bytes);
    }

    internal void OnSendFailure() => Interlocked.Increment(ref _sendFailures);

    internal void OnReceiveError() => Interlocked.Increment(ref _receiveErrors);

    internal void OnHandlerFault() => Interlocked.Increment(ref _handlerFaults);

    internal void OnDropped() => Interlocked.Increment(ref _datagramsDropped);
}
