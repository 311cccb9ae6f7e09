using System.Net;
using System.Net.Sockets;

namespace DhtNet.Simulation;

/// <summary>
/// One node's endpoint on an <see cref="InMemoryNetwork"/>; create it with
/// <see cref="InMemoryNetwork.CreateTransport()"/>. Set <see cref="IsOnline"/> to false to cut the
/// node off without disposing it; dispose it to take it off the network for good.
/// </summary>
public sealed class InMemoryTransport : IDatagramTransport
{
    private readonly IPEndPoint[] _localEndPoints;
    private DatagramHandler? _handler;
    private volatile bool _online = true;
    private volatile bool _disposed;

    internal InMemoryTransport(InMemoryNetwork network, IPEndPoint[] localEndPoints)
    {
        Network = network;
        _localEndPoints = localEndPoints;
    }

    /// <summary>The network this transport is attached to.</summary>
    public InMemoryNetwork Network { get; }

    /// <inheritdoc />
    public IReadOnlyList<IPEndPoint> LocalEndPoints => _localEndPoints;

    /// <summary>The first (usually only) local endpoint.</summary>
    public IPEndPoint EndPoint => _localEndPoints[0];

    /// <summary>
    /// While false, sends fail and datagrams reaching this node (including ones already in flight)
    /// are dropped, as if its cable were pulled.
    /// </summary>
    public bool IsOnline
    {
        get => _online;
        set => _online = value;
    }

    /// <summary>
    /// Sees every datagram this node sends, with its destination, and returns what goes out instead:
    /// the same array to send it unchanged, another to send that, null to drop it (a misbehaving node,
    /// see <see cref="DhtSimulation.SetLiars"/>). Null: everything goes out as sent.
    /// </summary>
    public Func<byte[], IPEndPoint, byte[]?>? SendFilter { get; set; }

    /// <summary>True once disposed; the endpoints are then free for a new transport.</summary>
    public bool IsDisposed => _disposed;

    /// <summary>Datagram, byte and fault totals for this node.</summary>
    public TransportCounters Counters { get; } = new();

    internal bool CanReceive => _online && !_disposed;

    /// <inheritdoc />
    public void Start(DatagramHandler handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (Interlocked.CompareExchange(ref _handler, handler, null) is not null)
        {
            throw new InvalidOperationException("The transport has already been started.");
        }
    }

    /// <inheritdoc />
    public bool Send(ReadOnlySpan<byte> datagram, IPEndPoint destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        if (destination.Address.IsIPv4MappedToIPv6)
        {
            // A dual-stack socket sends to a mapped address over IPv4; so does the simulated one.
            destination = new IPEndPoint(destination.Address.MapToIPv4(), destination.Port);
        }

        var source = GetLocalEndPoint(destination.AddressFamily);
        if (source is null || !_online || _disposed)
        {
            Counters.OnSendFailure();
            return false;
        }

        if (SendFilter is { } filter)
        {
            // The node believes it sent what it sent; what the network carries is the filter's.
            Counters.OnSent(datagram.Length);
            if (filter(datagram.ToArray(), destination) is { } replaced)
            {
                Network.Enqueue(replaced, source, destination);
            }

            return true;
        }

        Counters.OnSent(datagram.Length);
        Network.Enqueue(datagram, source, destination);
        return true;
    }

    /// <summary>Leaves the network; datagrams still in flight to this node are dropped.</summary>
    public ValueTask DisposeAsync()
    {
        if (!_disposed)
        {
            _disposed = true;
            Network.Remove(this);
        }

        return ValueTask.CompletedTask;
    }

    // Called by the network's delivery loop, outside its lock. Returns false when not started.
    internal bool Deliver(ReadOnlySpan<byte> datagram, IPEndPoint source)
    {
        var handler = Volatile.Read(ref _handler);
        if (handler is null)
        {
            Counters.OnDropped();
            return false;
        }

        Counters.OnReceived(datagram.Length);
        try
        {
            handler(datagram, source);
        }
        catch (Exception)
        {
            // A handler bug must not stop the clock for every other node.
            Counters.OnHandlerFault();
        }

        return true;
    }

    private IPEndPoint? GetLocalEndPoint(AddressFamily family)
    {
        foreach (var endPoint in _localEndPoints)
        {
            if (endPoint.AddressFamily == family)
            {
                return endPoint;
            }
        }

        return null;
    }
}
