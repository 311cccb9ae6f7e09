using DhtNet.LibP2p.Yamux;

namespace DhtNet.LibP2p.Host;

/// <summary>
/// A stream to a peer with its negotiated protocol. <see cref="CloseWrite"/> half-closes (the peer
/// reads to the end), <see cref="Reset"/> aborts, disposing half-closes and lets go.
/// </summary>
public sealed class LibP2pStream : Stream
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

    public override bool CanRead => true;

    public override bool CanWrite => true;

    public override bool CanSeek => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    /// <summary>Sends FIN: no more data from this side; reading goes on.</summary>
    public void CloseWrite() => _inner.CloseWrite();

    /// <summary>Aborts both directions (RST).</summary>
    public void Reset() => _inner.Reset();

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => _inner.ReadAsync(buffer, cancellationToken);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => _inner.ReadAsync(buffer, offset, count, cancellationToken);

    public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, count);

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => _inner.WriteAsync(buffer, cancellationToken);

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => _inner.WriteAsync(buffer, offset, count, cancellationToken);

    public override void Write(byte[] buffer, int offset, int count) => _inner.Write(buffer, offset, count);

    public override void Flush()
    {
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

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
