// The bencode and KRPC tests spell their vectors as strings; every test file may use these.
global using static DhtNet.Tests.TestBytes;
using System.Text;

namespace DhtNet.Tests;

/// <summary>Bytes from test strings and back, for the bencode and KRPC test vectors.</summary>
internal static class TestBytes
{
    /// <summary>Latin-1 keeps every char below 256 as one byte, so test strings can hold any byte.</summary>
    public static byte[] Bytes(string text) => Encoding.Latin1.GetBytes(text);

    public static string Text(ReadOnlySpan<byte> bytes) => Encoding.Latin1.GetString(bytes);
}
