namespace DhtNet.Mainline.Transport;

/// <summary>
/// Running totals for one transport. Read them at any time from any thread; each value is exact,
/// but two values read one after the other may straddle a datagram. An <see cref="IDatagramTransport"/>
/// of your own (or the simulator's) keeps the same totals by calling the <c>On…</c> methods.
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

    /// <summary>Counts one datagram of <paramref name="bytes"/> handed to the network.</summary>
    public void OnSent(int bytes)
    {
        Interlocked.Increment(ref _datagramsSent);
        Interlocked.Add(ref _bytesSent, bytes);
    }

    /// <summary>Counts one datagram of <paramref name="bytes"/> passed to the handler.</summary>
    public void OnReceived(int bytes)
    {
        Interlocked.Increment(ref _datagramsReceived);
        Interlocked.Add(ref _bytesReceived, bytes);
    }

    /// <summary>Counts one send that returned false.</summary>
    public void OnSendFailure() => Interlocked.Increment(ref _sendFailures);

    /// <summary>Counts one error the socket reported while receiving.</summary>
    public void OnReceiveError() => Interlocked.Increment(ref _receiveErrors);

    /// <summary>Counts one exception that escaped the handler.</summary>
    public void OnHandlerFault() => Interlocked.Increment(ref _handlerFaults);

    /// <summary>Counts one received datagram dropped before the handler.</summary>
    public void OnDropped() => Interlocked.Increment(ref _datagramsDropped);
}
