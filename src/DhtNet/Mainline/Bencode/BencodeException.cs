namespace DhtNet.Mainline.Bencode;

/// <summary>
/// The one exception bencode decoding throws: the input is not valid bencode under the reader's
/// options. <see cref="Offset"/> is the byte position where the problem was found.
/// </summary>
public sealed class BencodeException : FormatException
{
    public BencodeException(string message, int offset)
        : base($"{message} (at offset {offset})")
    {
        Offset = offset;
        Reason = message;
    }

    /// <summary>Byte offset in the input at which decoding failed.</summary>
    public int Offset { get; }

    /// <summary>The problem without the offset, for callers that build their own message.</summary>
    public string Reason { get; }
}
