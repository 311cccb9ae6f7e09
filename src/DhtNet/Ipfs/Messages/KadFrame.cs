using System.Buffers;

namespace DhtNet.Ipfs.Messages;

/// <summary>An encoded, length-prefixed kad message in a pooled buffer; dispose it once written out.</summary>
public sealed class KadFrame : IDisposable
{
    private byte[]? _buffer;
    private readonly int _length;

    internal KadFrame(byte[] buffer, int length)
    {
        _buffer = buffer;
        _length = length;
    }

    /// <summary>The frame bytes: the varint length and the message.</summary>
    /// <exception cref="ObjectDisposedException">After <see cref="Dispose"/>.</exception>
    public ReadOnlyMemory<byte> Memory
    {
        get
        {
            ObjectDisposedException.ThrowIf(_buffer is null, this);
            return _buffer.AsMemory(0, _length);
        }
    }

    public void Dispose()
    {
        var buffer = Interlocked.Exchange(ref _buffer, null);
        if (buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
