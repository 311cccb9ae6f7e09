namespace DhtNet.LibP2p;

/// <summary>
/// The one exception every libp2p and multiformats parser throws on bad input (text or bytes from a
/// peer); the message names the problem. Catch this type to reject a remote value.
/// </summary>
public sealed class LibP2pFormatException : FormatException
{
    public LibP2pFormatException()
    {
    }

    public LibP2pFormatException(string message)
        : base(message)
    {
    }

    public LibP2pFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
