namespace DhtNet.LibP2p;

/// <summary>
/// A remote peer broke a libp2p wire protocol (multistream-select, Noise, yamux, identify, ping) or
/// failed to prove its identity. Thrown for that one connection or stream only; the host carries on.
/// </summary>
public sealed class LibP2pProtocolException : IOException
{
    public LibP2pProtocolException(string message)
        : base(message)
    {
    }

    public LibP2pProtocolException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
