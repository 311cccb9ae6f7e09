using System.Net;

namespace DhtNet.Tests.Node;

/// <summary>Wraps a transport and keeps every KRPC query the node sends, decoded, to check what went on the wire.</summary>
internal sealed class RecordingTransport(IDatagramTransport inner) : IDatagramTransport
{
    private readonly List<KrpcQuery> _sentQueries = [];

    public IReadOnlyList<IPEndPoint> LocalEndPoints => inner.LocalEndPoints;

    /// <summary>The queries sent so far (a snapshot).</summary>
    public List<KrpcQuery> SentQueries
    {
        get
        {
            lock (_sentQueries)
            {
                return [.. _sentQueries];
            }
        }
    }

    public void Start(DatagramHandler handler) => inner.Start(handler);

    public bool Send(ReadOnlySpan<byte> datagram, IPEndPoint destination)
    {
        if (KrpcCodec.Decode(datagram.ToArray()).Message is KrpcQuery query)
        {
            lock (_sentQueries)
            {
                _sentQueries.Add(query);
            }
        }

        return inner.Send(datagram, destination);
    }

    public ValueTask DisposeAsync() => inner.DisposeAsync();
}
