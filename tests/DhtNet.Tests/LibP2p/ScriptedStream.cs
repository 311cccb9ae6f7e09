namespace DhtNet.Tests.LibP2p;

/// <summary>
/// A stream whose reads return the given input at most <c>chunk</c> bytes at a time (to split
/// messages at every offset) and whose writes are collected in <see cref="Written"/>.
/// </summary>
internal sealed class ScriptedStream(byte[] input, int chunk = int.MaxValue) : Stream
{
    private readonly MemoryStream _written = new();
    private int _position;

    public byte[] Written => _written.ToArray();

    /// <summary>The input not read yet.</summary>
    public byte[] Unread => input[_position..];

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count)
    {
        int n = Math.Min(Math.Min(count, chunk), input.Length - _position);
        input.AsSpan(_position, n).CopyTo(buffer.AsSpan(offset));
        _position += n;
        return n;
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        int n = Math.Min(Math.Min(buffer.Length, chunk), input.Length - _position);
        input.AsSpan(_position, n).CopyTo(buffer.Span);
        _position += n;
        return ValueTask.FromResult(n);
    }

    public override void Write(byte[] buffer, int offset, int count) => _written.Write(buffer, offset, count);

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        _written.Write(buffer.Span);
        return ValueTask.CompletedTask;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}
