using System.Net;

namespace DhtNet.Tests.Krpc;

/// <summary>
/// An in-test transport: records what is sent and delivers it to a wired peer, either inside
/// <see cref="Send"/> (no clock) or after <see cref="Latency"/> on a virtual clock.
/// </summary>
internal sealed class FakeTransport(IPEndPoint local, TimeProvider? clock = null) : IDatagramTransport
{
    private DatagramHandler? _handler;

    public IPEndPoint Local { get; } = local;

    public IReadOnlyList<IPEndPoint> LocalEndPoints => [Local];

    public List<(byte[] Data, IPEndPoint Destination)> Sent { get; } = [];

    public FakeTransport? Peer { get; set; }

    /// <summary>Delivery delay when a clock was given.</summary>
    public TimeSpan Latency { get; set; } = TimeSpan.FromMilliseconds(10);

    /// <summary>What Send returns; false drops the datagram.</summary>
    public bool SendSucceeds { get; set; } = true;

    public static (FakeTransport A, FakeTransport B) Pair(TimeProvider? clock = null)
    {
        var a = new FakeTransport(new IPEndPoint(IPAddress.Parse("10.0.0.1"), 1001), clock);
        var b = new FakeTransport(new IPEndPoint(IPAddress.Parse("10.0.0.2"), 1002), clock);
        a.Peer = b;
        b.Peer = a;
        return (a, b);
    }

    public void Start(DatagramHandler handler) => _handler = handler;

    public bool Send(ReadOnlySpan<byte> datagram, IPEndPoint destination)
    {
        byte[] copy = datagram.ToArray();
        Sent.Add((copy, destination));
        if (!SendSucceeds)
        {
            return false;
        }

        if (Peer is { } peer && peer.Local.Equals(destination))
        {
            if (clock is null)
            {
                peer.Receive(copy, Local);
            }
            else
            {
                ITimer? timer = null;
                timer = clock.CreateTimer(_ => { peer.Receive(copy, Local); timer!.Dispose(); }, null, Latency, Timeout.InfiniteTimeSpan);
            }
        }

        return true;
    }

    /// <summary>Delivers a datagram as if it came from <paramref name="source"/>.</summary>
    public void Receive(byte[] datagram, IPEndPoint source) =>
        (_handler ?? throw new InvalidOperationException("Not started."))(datagram, source);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
