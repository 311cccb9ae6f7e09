using DhtNet.Mainline.Bencode;

namespace DhtNet.Mainline.Krpc;

/// <summary>A KRPC error (<c>y</c> = <c>e</c>): a code from <see cref="KrpcErrorCode"/> and a message.</summary>
public sealed class KrpcError : KrpcMessage
{
    /// <summary>Longest message we send; longer ones are cut so an error always fits a datagram.</summary>
    public const int MaxMessageLength = 256;

    public KrpcError(int code, string message)
    {
        ArgumentNullException.ThrowIfNull(message);
        Code = code;
        Message = message;
    }

    public int Code { get; }

    public string Message { get; }

    public override string ToString() => $"{Code} {Message}";

    internal override void WriteBody(ref BencodeWriter writer, in EncodeBudget budget)
    {
        writer.WriteStartList();
        writer.WriteInteger(Code);
        writer.WriteByteString(Message.Length <= MaxMessageLength ? Message : Message[..MaxMessageLength]);
        writer.WriteEnd();
    }
}
