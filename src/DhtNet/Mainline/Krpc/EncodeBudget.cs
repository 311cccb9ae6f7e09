using DhtNet.Mainline.Bencode;

namespace DhtNet.Mainline.Krpc;

/// <summary>
/// What an encoder may spend: the message limit, and the bytes that the envelope still needs after
/// the body it is writing (t, v, y and the closing 'e').
/// </summary>
internal readonly struct EncodeBudget(int limit, int reserveAfterBody)
{
    public int Limit { get; } = limit;

    public int ReserveAfterBody { get; } = reserveAfterBody;

    /// <summary>Bytes still free after <paramref name="needAfter"/> more bytes inside the body.</summary>
    public int Available(in BencodeWriter writer, int needAfter) =>
        Limit - (int)writer.BytesWritten - ReserveAfterBody - needAfter;
}
