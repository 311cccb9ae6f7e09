using System.Buffers.Binary;
using DhtNet.LibP2p.Crypto;
using DhtNet.LibP2p.Transport;

namespace DhtNet.LibP2p.Noise;

/// <summary>
/// A connection secured by Noise: every frame is a 2-byte big-endian length and a ChaChaPoly
/// ciphertext of at most 65535 bytes. Writes are gathered into full frames and sent on
/// <see cref="FlushAsync(CancellationToken)"/>; reads decrypt one frame at a time, so at most one
/// frame is buffered; both are done in place. One reader and one writer may work at once.
/// </summary>
public sealed class NoiseSecureStream : DuplexStream
{
    /// <summary>The largest Noise message, the cap of the 2-byte length.</summary>
    public const int MaxFrameLength = 65535;

    /// <summary>The most plaintext one frame carries.</summary>
    public const int MaxPlaintextLength = MaxFrameLength - NoiseCipherState.TagLength;

    private readonly Stream _inner;
    private readonly NoiseCipherState _send;
    private readonly NoiseCipherState _receive;
    private readonly byte[] _readFrame = new byte[2 + MaxFrameLength];
    private readonly byte[] _writeFrame = new byte[2 + MaxFrameLength];
    private int _readStart;
    private int _readEnd;
    private int _writeLength;
    private int _disposed;

    internal NoiseSecureStream(Stream inner, NoiseCipherState send, NoiseCipherState receive, PublicKey remoteKey)
    {
        _inner = inner;
        _send = send;
        _receive = receive;
        RemoteKey = remoteKey;
        RemotePeer = PeerId.FromPublicKey(remoteKey);
    }

    /// <summary>The peer's identity key, proven by its signature over its static Noise key.</summary>
    public PublicKey RemoteKey { get; }

    /// <summary>The peer's id, derived from <see cref="RemoteKey"/>.</summary>
    public PeerId RemotePeer { get; }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        if (buffer.IsEmpty)
        {
            return 0;
        }

        while (_readStart == _readEnd)
        {
            if (!await ReadFrameAsync(cancellationToken).ConfigureAwait(false))
            {
                return 0;
            }
        }

        int n = Math.Min(buffer.Length, _readEnd - _readStart);
        _readFrame.AsSpan(_readStart, n).CopyTo(buffer.Span);
        _readStart += n;
        return n;
    }

    /// <summary>Gathers <paramref name="buffer"/>; full frames go out at once, the rest on flush.</summary>
    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        while (!buffer.IsEmpty)
        {
            int n = Math.Min(buffer.Length, MaxPlaintextLength - _writeLength);
            buffer.Span[..n].CopyTo(_writeFrame.AsSpan(2 + _writeLength));
            _writeLength += n;
            buffer = buffer[n..];
            if (_writeLength == MaxPlaintextLength)
            {
                await WriteFrameAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    public override async Task FlushAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        if (_writeLength > 0)
        {
            await WriteFrameAsync(cancellationToken).ConfigureAwait(false);
        }

        await _inner.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    public override async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _inner.DisposeAsync().ConfigureAwait(false);
        _send.Dispose();
        _receive.Dispose();
        GC.SuppressFinalize(this);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            DisposeAsync().AsTask().GetAwaiter().GetResult();
        }

        base.Dispose(disposing);
    }

    private async Task WriteFrameAsync(CancellationToken cancellationToken)
    {
        // In place: the plaintext gathered at offset 2 becomes the ciphertext, the tag follows it.
        int length = _send.Encrypt([], _writeFrame.AsSpan(2, _writeLength), _writeFrame.AsSpan(2));
        BinaryPrimitives.WriteUInt16BigEndian(_writeFrame, (ushort)length);
        _writeLength = 0;
        await _inner.WriteAsync(_writeFrame.AsMemory(0, 2 + length), cancellationToken).ConfigureAwait(false);
    }

    // One frame into the plaintext buffer; false at a clean end of stream between frames.
    private async Task<bool> ReadFrameAsync(CancellationToken cancellationToken)
    {
        int got = 0;
        while (got < 2)
        {
            int n = await _inner.ReadAsync(_readFrame.AsMemory(got, 2 - got), cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                return got == 0 ? false : throw new LibP2pProtocolException("noise: the connection ended inside a frame length.");
            }

            got += n;
        }

        int length = BinaryPrimitives.ReadUInt16BigEndian(_readFrame);
        if (length < NoiseCipherState.TagLength)
        {
            throw new LibP2pProtocolException($"noise: a frame of {length} bytes is shorter than its tag.");
        }

        try
        {
            await _inner.ReadExactlyAsync(_readFrame.AsMemory(2, length), cancellationToken).ConfigureAwait(false);
        }
        catch (EndOfStreamException e)
        {
            throw new LibP2pProtocolException("noise: the connection ended inside a frame.", e);
        }

        _readStart = 2;
        _readEnd = 2 + _receive.Decrypt([], _readFrame.AsSpan(2, length), _readFrame.AsSpan(2));
        return true;
    }
}
