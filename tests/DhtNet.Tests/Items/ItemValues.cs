using System.Text;

namespace DhtNet.Tests.Items;

/// <summary>Bencoded values for the BEP 44 tests.</summary>
internal static class ItemValues
{
    /// <summary>A bencoded byte string of exactly <paramref name="encodedLength"/> bytes (e.g. 999), filled with <paramref name="fill"/>.</summary>
    public static byte[] StringOfLength(int encodedLength, char fill = 'x')
    {
        for (int content = encodedLength; content >= 0; content--)
        {
            if (BencodeWriter.ByteStringSize(content) == encodedLength)
            {
                return Encoding.ASCII.GetBytes($"{content}:{new string(fill, content)}");
            }
        }

        throw new ArgumentOutOfRangeException(nameof(encodedLength));
    }

    /// <summary>The bencoded byte string of <paramref name="text"/>.</summary>
    public static byte[] Text(string text) => Encoding.ASCII.GetBytes($"{text.Length}:{text}");
}
