namespace DhtNet.LibP2p.Yamux;

/// <summary>The stream was reset (by the peer, by us, or because its connection closed); it carries no more data.</summary>
public sealed class StreamResetException : IOException
{
    public StreamResetException(string message)
        : base(message)
    {
    }

    public StreamResetException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
