namespace DhtNet.Mainline.Bencode;

/// <summary>The kind of token a <see cref="BencodeReader"/> is positioned on.</summary>
public enum BencodeTokenType : byte
{
    None = 0,
    Integer,
    ByteString,
    StartList,
    EndList,
    StartDictionary,
    EndDictionary,
}
