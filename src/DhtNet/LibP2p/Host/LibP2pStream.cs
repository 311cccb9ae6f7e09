using DhtNet.LibP2p.Transport;
using DhtNet.LibP2p.Yamux;

namespace DhtNet.LibP2p.Host;

/// <summary>
/// A stream to a peer with its negotiated protocol. <see cref="CloseWrite"/> half-closes (the peer
/// reads to the end), <see cref="Reset"/> aborts, disposing half-closes and lets go.
/// </summary>
public sealed class LibP2pStream : DuplexStream
{
    private readonly YamuxStream _inner;

    internal LibP2pStream(YamuxStream inner, LibP2pConnection connection, string protocol)
    {
        _inner = inner;
        Connection = connection;
        Protocol = protocol;
        inner.Protocol = protocol;
    }

    /// <summary>The protocol agreed for the stream.</summary>
    public string Protocol { get; }

    /// <summary>The connection the stream runs on.</summary>
    public LibP2pConnection Connection { get; }

    /// <summary>The peer at the other end.</summary>
    public PeerId RemotePeer => Connection.RemotePeer;

    /// <summary>Sends FIN: no more data from this side; reading goes on.</summary>
    public void CloseWrite() => _inner.CloseWrite();

    /// <summary>Aborts both directions (RST).</summary>
    public void Reset() => _inner.Reset();

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => _inner.ReadAsync(buffer, cancellationToken);

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => _inner.WriteAsync(buffer, cancellationToken);

    public override string ToString() => $"{Protocol} with {RemotePeer}";

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _inner.Dispose();
        }

        base.Dispose(disposing);
    }
}
