using System.Buffers;
using System.Net;
using System.Net.Sockets;

namespace DhtNet.Simulation;

/// <summary>
/// A simulated datagram network for tests: many <see cref="InMemoryTransport"/>s exchange datagrams
/// with configurable latency, jitter and loss, timed by a <see cref="TimeProvider"/> (normally a
/// <c>VirtualTimeProvider</c>). Deliveries run inline in one timer callback in due-time order, so
/// with a virtual clock everything a delivery triggers happens before the clock moves on.
/// </summary>
public sealed class InMemoryNetwork : IDisposable
{
    private const int BuffersPerSize = 4096;

    private readonly object _lock = new();
    private readonly TimeProvider _timeProvider;
    private readonly long _origin;
    private readonly ITimer _timer;
    private readonly Random _random;
    private readonly PriorityQueue<Pending, (long Due, long Sequence)> _queue = new();
    private readonly Dictionary<IPEndPoint, InMemoryTransport> _transports = [];
    private readonly Dictionary<(IPEndPoint From, IPEndPoint To), double> _linkLoss = [];

    // Own pool: thousands of datagrams in flight at once outgrow what the shared pool keeps per size.
    private readonly ArrayPool<byte> _buffers;
    private readonly int _maxDatagramSize;
    private readonly int _maxInFlight;
    private readonly int _defaultPort;
    private readonly int _seed;
    private readonly Func<double, TimeSpan>? _linkLatency;
    private long _latencyTicks;
    private long _jitterTicks;
    private double _lossRate;
    private long _sequence;
    private long _timerDue = long.MaxValue; // elapsed ticks the timer is set for; MaxValue when idle
    private bool _draining;
    private bool _disposed;
    private int _nextIPv4;
    private int _nextIPv6;
    private long _sent;
    private long _delivered;
    private long _lost;
    private long _dropped;

    /// <summary>Creates a network timed by <paramref name="timeProvider"/>.</summary>
    public InMemoryNetwork(TimeProvider timeProvider, InMemoryNetworkOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        options ??= new InMemoryNetworkOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxDatagramSize, 1, nameof(options.MaxDatagramSize));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxInFlight, 1, nameof(options.MaxInFlight));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.DefaultPort, 1, nameof(options.DefaultPort));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.DefaultPort, IPEndPoint.MaxPort, nameof(options.DefaultPort));
        _timeProvider = timeProvider;
        _origin = timeProvider.GetTimestamp();
        _random = new Random(options.Seed);
        _maxDatagramSize = options.MaxDatagramSize;
        _buffers = ArrayPool<byte>.Create(Math.Max(16, options.MaxDatagramSize), BuffersPerSize);
        _maxInFlight = options.MaxInFlight;
        _defaultPort = options.DefaultPort;
        _seed = options.Seed;
        _linkLatency = options.LinkLatency;
        Latency = options.Latency;
        Jitter = options.Jitter;
        LossRate = options.LossRate;
        _timer = timeProvider.CreateTimer(static state => ((InMemoryNetwork)state!).OnTimer(), this,
            Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>The clock that times deliveries.</summary>
    public TimeProvider TimeProvider => _timeProvider;

    /// <summary>Fixed one-way delay; a change applies to datagrams sent afterwards.</summary>
    public TimeSpan Latency
    {
        get => TimeSpan.FromTicks(Interlocked.Read(ref _latencyTicks));
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, TimeSpan.Zero);
            Interlocked.Exchange(ref _latencyTicks, value.Ticks);
        }
    }

    /// <summary>Upper bound of the uniform extra delay per datagram.</summary>
    public TimeSpan Jitter
    {
        get => TimeSpan.FromTicks(Interlocked.Read(ref _jitterTicks));
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, TimeSpan.Zero);
            Interlocked.Exchange(ref _jitterTicks, value.Ticks);
        }
    }

    /// <summary>Probability that a datagram is lost, on links without their own rate.</summary>
    public double LossRate
    {
        get
        {
            lock (_lock)
            {
                return _lossRate;
            }
        }

        set
        {
            ValidateRate(value);
            lock (_lock)
            {
                _lossRate = value;
            }
        }
    }

    /// <summary>Datagrams accepted from senders.</summary>
    public long DatagramsSent => Interlocked.Read(ref _sent);

    /// <summary>Datagrams handed to a started, online destination.</summary>
    public long DatagramsDelivered => Interlocked.Read(ref _delivered);

    /// <summary>Datagrams lost to the loss rate.</summary>
    public long DatagramsLost => Interlocked.Read(ref _lost);

    /// <summary>
    /// Datagrams dropped for other reasons: unknown, offline, disposed or not started destination,
    /// too large, or the in-flight queue full.
    /// </summary>
    public long DatagramsDropped => Interlocked.Read(ref _dropped);

    /// <summary>Datagrams waiting for their delivery time.</summary>
    public int InFlight
    {
        get
        {
            lock (_lock)
            {
                return _queue.Count;
            }
        }
    }

    /// <summary>Transports currently attached.</summary>
    public int TransportCount
    {
        get
        {
            lock (_lock)
            {
                var distinct = new HashSet<InMemoryTransport>(_transports.Values);
                return distinct.Count;
            }
        }
    }

    /// <summary>Attaches a transport with the next free IPv4 address (10.x.y.z, z in 1..254) on the default port.</summary>
    public InMemoryTransport CreateTransport() => CreateTransport(AddressFamily.InterNetwork);

    /// <summary>Attaches a transport with the next free address of <paramref name="family"/> (IPv6: fd00::/64).</summary>
    public InMemoryTransport CreateTransport(AddressFamily family)
    {
        lock (_lock)
        {
            return Attach([NextFreeEndPointLocked(family)]);
        }
    }

    /// <summary>Attaches a transport with one fresh IPv4 and one fresh IPv6 endpoint.</summary>
    public InMemoryTransport CreateDualStackTransport()
    {
        lock (_lock)
        {
            var ipv4 = NextFreeEndPointLocked(AddressFamily.InterNetwork);
            var ipv6 = NextFreeEndPointLocked(AddressFamily.InterNetworkV6);
            return Attach([ipv4, ipv6]);
        }
    }

    /// <summary>Attaches a transport at <paramref name="endPoint"/>; port 0 picks a free port on that address.</summary>
    public InMemoryTransport CreateTransport(IPEndPoint endPoint)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        lock (_lock)
        {
            return Attach([ResolveLocked(endPoint)]);
        }
    }

    /// <summary>Attaches a dual-stack transport at the given IPv4 and IPv6 endpoints.</summary>
    public InMemoryTransport CreateTransport(IPEndPoint ipv4EndPoint, IPEndPoint ipv6EndPoint)
    {
        ArgumentNullException.ThrowIfNull(ipv4EndPoint);
        ArgumentNullException.ThrowIfNull(ipv6EndPoint);
        lock (_lock)
        {
            var ipv4 = ResolveLocked(ipv4EndPoint);
            var ipv6 = ResolveLocked(ipv6EndPoint);
            if (ipv4.AddressFamily != AddressFamily.InterNetwork || ipv6.AddressFamily != AddressFamily.InterNetworkV6)
            {
                throw new ArgumentException("Expected one IPv4 and one IPv6 endpoint.");
            }

            return Attach([ipv4, ipv6]);
        }
    }

    /// <summary>Finds the transport bound to <paramref name="endPoint"/>.</summary>
    public bool TryGetTransport(IPEndPoint endPoint, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out InMemoryTransport? transport)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        lock (_lock)
        {
            return _transports.TryGetValue(endPoint, out transport);
        }
    }

    /// <summary>
    /// Sets the loss rate of datagrams from <paramref name="from"/> to <paramref name="to"/> (one
    /// direction), overriding <see cref="LossRate"/>; null goes back to the global rate.
    /// </summary>
    public void SetLinkLossRate(IPEndPoint from, IPEndPoint to, double? lossRate)
    {
        ArgumentNullException.ThrowIfNull(from);
        ArgumentNullException.ThrowIfNull(to);
        lock (_lock)
        {
            if (lossRate is { } rate)
            {
                ValidateRate(rate);
                _linkLoss[(from, to)] = rate;
            }
            else
            {
                _linkLoss.Remove((from, to));
            }
        }
    }

    /// <summary>Stops the delivery timer and drops everything in flight.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            while (_queue.TryDequeue(out var item, out _))
            {
                _buffers.Return(item.Buffer);
            }
        }

        _timer.Dispose();
    }

    internal void Enqueue(ReadOnlySpan<byte> datagram, IPEndPoint source, IPEndPoint destination)
    {
        Interlocked.Increment(ref _sent);
        lock (_lock)
        {
            if (_disposed || datagram.Length > _maxDatagramSize || _queue.Count >= _maxInFlight)
            {
                Interlocked.Increment(ref _dropped);
                return;
            }

            double loss = _lossRate;
            if (_linkLoss.Count > 0 && _linkLoss.TryGetValue((source, destination), out double linkLoss))
            {
                loss = linkLoss;
            }

            if (loss > 0 && _random.NextDouble() < loss)
            {
                Interlocked.Increment(ref _lost);
                return;
            }

            long now = NowTicks();
            long due = now + Interlocked.Read(ref _latencyTicks);
            long jitter = Interlocked.Read(ref _jitterTicks);
            if (jitter > 0)
            {
                due += _random.NextInt64(jitter + 1);
            }

            if (_linkLatency is not null)
            {
                due += Math.Max(0, _linkLatency(LinkLatency.Quantile(_seed, KeyOf(source), KeyOf(destination))).Ticks);
            }

            // Copy: the sender's span may be a pooled buffer it reuses as soon as Send returns.
            byte[] buffer = _buffers.Rent(datagram.Length);
            datagram.CopyTo(buffer);
            _queue.Enqueue(new Pending(buffer, datagram.Length, source, destination), (due, ++_sequence));

            // While draining, the drain loop re-arms the timer when it finishes; changing it for each
            // reply would only churn the clock's queue.
            if (!_draining && due < _timerDue)
            {
                ArmTimerLocked(due, now);
            }
        }
    }

    internal void Remove(InMemoryTransport transport)
    {
        lock (_lock)
        {
            foreach (var endPoint in transport.LocalEndPoints)
            {
                if (_transports.TryGetValue(endPoint, out var current) && current == transport)
                {
                    _transports.Remove(endPoint);
                }
            }
        }
    }

    private void OnTimer()
    {
        lock (_lock)
        {
            // A real-time timer can fire while another thread drains; that drain covers this firing.
            if (_draining || _disposed)
            {
                return;
            }

            _draining = true;
            _timerDue = long.MaxValue;
        }

        bool finished = false;
        try
        {
            while (true)
            {
                Pending item;
                InMemoryTransport? target;
                lock (_lock)
                {
                    long now = NowTicks();
                    if (_disposed || !_queue.TryPeek(out item, out var priority) || priority.Due > now)
                    {
                        _draining = false;
                        finished = true;
                        if (!_disposed && _queue.TryPeek(out _, out var next))
                        {
                            ArmTimerLocked(next.Due, now);
                        }

                        return;
                    }

                    _queue.Dequeue();
                    if (!_transports.TryGetValue(item.Destination, out target) || !target.CanReceive)
                    {
                        target = null;
                    }
                }

                // Outside the lock: the handler sends replies, which enqueue.
                bool delivered = target is not null && target.Deliver(item.Buffer.AsSpan(0, item.Length), item.Source);
                Interlocked.Increment(ref delivered ? ref _delivered : ref _dropped);
                _buffers.Return(item.Buffer);
            }
        }
        finally
        {
            if (!finished)
            {
                lock (_lock)
                {
                    _draining = false;
                    if (!_disposed && _queue.TryPeek(out _, out var next))
                    {
                        ArmTimerLocked(next.Due, NowTicks());
                    }
                }
            }
        }
    }

    private void ArmTimerLocked(long due, long now)
    {
        _timerDue = due;
        _timer.Change(TimeSpan.FromTicks(Math.Max(0, due - now)), Timeout.InfiniteTimeSpan);
    }

    private long NowTicks() => _timeProvider.GetElapsedTime(_origin).Ticks;

    private InMemoryTransport Attach(IPEndPoint[] endPoints)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var transport = new InMemoryTransport(this, endPoints);
        foreach (var endPoint in endPoints)
        {
            if (!_transports.TryAdd(endPoint, transport))
            {
                foreach (var added in endPoints)
                {
                    if (_transports.TryGetValue(added, out var owner) && owner == transport)
                    {
                        _transports.Remove(added);
                    }
                }

                throw new InvalidOperationException($"Endpoint {endPoint} is already in use.");
            }
        }

        return transport;
    }

    private IPEndPoint ResolveLocked(IPEndPoint endPoint)
    {
        // An IPv4-mapped address names the IPv4 host, as it does on a dual-stack socket.
        var address = endPoint.Address.IsIPv4MappedToIPv6 ? endPoint.Address.MapToIPv4() : endPoint.Address;
        if (address.AddressFamily is not (AddressFamily.InterNetwork or AddressFamily.InterNetworkV6)
            || address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any))
        {
            throw new ArgumentException($"{endPoint} is not a unicast IPv4 or IPv6 endpoint.", nameof(endPoint));
        }

        if (endPoint.Port != 0)
        {
            return new IPEndPoint(address, endPoint.Port);
        }

        for (int port = 49152; port <= IPEndPoint.MaxPort; port++)
        {
            var candidate = new IPEndPoint(address, port);
            if (!_transports.ContainsKey(candidate))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException($"No free port left on {address}.");
    }

    private IPEndPoint NextFreeEndPointLocked(AddressFamily family)
    {
        while (true)
        {
            IPEndPoint candidate;
            if (family == AddressFamily.InterNetwork)
            {
                // 254 hosts per /24 so no address ends in .0 or .255, which some peers reject.
                int index = _nextIPv4++;
                if (index >= 254 * 65536)
                {
                    throw new InvalidOperationException("The network has run out of IPv4 addresses.");
                }

                var bytes = new byte[] { 10, (byte)(index / 254 / 256), (byte)(index / 254 % 256), (byte)((index % 254) + 1) };
                candidate = new IPEndPoint(new IPAddress(bytes), _defaultPort);
            }
            else if (family == AddressFamily.InterNetworkV6)
            {
                int index = ++_nextIPv6;
                var bytes = new byte[16];
                bytes[0] = 0xfd;
                bytes[12] = (byte)(index >> 24);
                bytes[13] = (byte)(index >> 16);
                bytes[14] = (byte)(index >> 8);
                bytes[15] = (byte)index;
                candidate = new IPEndPoint(new IPAddress(bytes), _defaultPort);
            }
            else
            {
                throw new ArgumentException($"Unsupported address family {family}.", nameof(family));
            }

            if (!_transports.ContainsKey(candidate))
            {
                return candidate;
            }
        }
    }

    // 64 bits that tell endpoints apart for the per-link delay: the address folded, and the port.
    private static ulong KeyOf(IPEndPoint endPoint)
    {
        Span<byte> bytes = stackalloc byte[16];
        endPoint.Address.TryWriteBytes(bytes, out int length);
        ulong key = (ulong)endPoint.Port;
        for (int i = 0; i < length; i += 4)
        {
            key = LinkLatency.Mix(key ^ System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(bytes[i..]));
        }

        return key;
    }

    private static void ValidateRate(double rate)
    {
        if (!(rate >= 0 && rate <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(rate), rate, "A loss rate is a probability in [0, 1].");
        }
    }

    private readonly record struct Pending(byte[] Buffer, int Length, IPEndPoint Source, IPEndPoint Destination);
}
