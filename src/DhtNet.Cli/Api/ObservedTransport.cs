using System.Net;

namespace DhtNet.Cli.Api;

/// <summary>
/// Passes every datagram of the node's transport past <see cref="NodeActivity"/>, which reads the
/// queries served and the hops of our own lookups off the wire for the dashboard and metrics (the
/// library raises no per-request events).
/// </summary>
internal sealed class ObservedTransport(IDatagramTransport inner, NodeActivity activity) : IDatagramTransport
{
    public IReadOnlyList<IPEndPoint> LocalEndPoints => inner.LocalEndPoints;

    public void Start(DatagramHandler handler) => inner.Start((datagram, source) =>
    {
        activity.Received(datagram, source);
        handler(datagram, source);
    });

    public bool Send(ReadOnlySpan<byte> datagram, IPEndPoint destination)
    {
        activity.Sent(datagram, destination);
        return inner.Send(datagram, destination);
    }

    public ValueTask DisposeAsync() => inner.DisposeAsync();
}
