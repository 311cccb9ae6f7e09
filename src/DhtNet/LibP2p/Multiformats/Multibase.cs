using System.Buffers.Text;
using SimpleBase;

namespace DhtNet.LibP2p.Multiformats;

/// <summary>The multibase encodings this library reads and writes; the value is the prefix character.</summary>
public enum MultibaseEncoding
{
    Base16Lower = 'f',
    Base16Upper = 'F',
    Base32Lower = 'b',
    Base32Upper = 'B',
    Base36Lower = 'k',
    Base36Upper = 'K',
    Base58Btc = 'z',
    Base64 = 'm',
    Base64Url = 'u',
}

/// <summary>
/// Multibase text: one prefix character naming the encoding, then the bytes in that encoding
/// (RFC 4648 alphabets without padding; base58btc and base36 keep leading zero bytes as leading
/// zero digits). Decoding is strict: one text per byte string, so parsed values print back unchanged.
/// </summary>
public static class Multibase
{
    /// <summary>
    /// The longest text decoded. base58 and base36 decoding costs the square of the length, and no
    /// identifier this library handles comes near this.
    /// </summary>
    public const int MaxTextLength = 4096;

    private const string Base58Alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
    private const string Base32LowerAlphabet = "abcdefghijklmnopqrstuvwxyz234567";
    private const string Base36LowerAlphabet = "0123456789abcdefghijklmnopqrstuvwxyz";

    /// <summary>Encodes <paramref name="data"/> with its multibase prefix.</summary>
    public static string Encode(ReadOnlySpan<byte> data, MultibaseEncoding encoding) =>
        (char)encoding + EncodeRaw(data, encoding);

    /// <summary>Encodes <paramref name="data"/> in <paramref name="encoding"/> without the prefix (bare base58btc peer ids use this).</summary>
    public static string EncodeRaw(ReadOnlySpan<byte> data, MultibaseEncoding encoding) => encoding switch
    {
        MultibaseEncoding.Base58Btc => Base58.Bitcoin.Encode(data),
        MultibaseEncoding.Base32Lower => Base32Encode(data, upper: false),
        MultibaseEncoding.Base32Upper => Base32Encode(data, upper: true),
        MultibaseEncoding.Base36Lower => Base36.LowerCase.Encode(data),
        MultibaseEncoding.Base36Upper => Base36.UpperCase.Encode(data),
        MultibaseEncoding.Base16Lower => Convert.ToHexStringLower(data),
        MultibaseEncoding.Base16Upper => Convert.ToHexString(data),
        MultibaseEncoding.Base64 => Convert.ToBase64String(data).TrimEnd('='),
        MultibaseEncoding.Base64Url => Base64Url.EncodeToString(data),
        _ => throw new ArgumentOutOfRangeException(nameof(encoding), encoding, "Not a multibase encoding this library writes."),
    };

    /// <summary>Decodes multibase text, telling which encoding it used.</summary>
    /// <exception cref="LibP2pFormatException">Empty, too long, an unknown prefix, or a character outside the alphabet.</exception>
    public static byte[] Decode(ReadOnlySpan<char> text, out MultibaseEncoding encoding)
    {
        if (text.IsEmpty)
        {
            throw new LibP2pFormatException("The multibase text is empty.");
        }

        encoding = text[0] switch
        {
            'f' => MultibaseEncoding.Base16Lower,
            'F' => MultibaseEncoding.Base16Upper,
            'b' => MultibaseEncoding.Base32Lower,
            'B' => MultibaseEncoding.Base32Upper,
            'k' => MultibaseEncoding.Base36Lower,
            'K' => MultibaseEncoding.Base36Upper,
            'z' => MultibaseEncoding.Base58Btc,
            'm' => MultibaseEncoding.Base64,
            'u' => MultibaseEncoding.Base64Url,
            _ => throw new LibP2pFormatException($"The multibase prefix '{Printable(text[0])}' is not supported."),
        };
        return DecodeRaw(text[1..], encoding);
    }

    /// <summary>Decodes multibase text.</summary>
    /// <exception cref="LibP2pFormatException">See <see cref="Decode(ReadOnlySpan{char}, out MultibaseEncoding)"/>.</exception>
    public static byte[] Decode(ReadOnlySpan<char> text) => Decode(text, out _);

    /// <summary>Decodes text in <paramref name="encoding"/> that carries no prefix.</summary>
    /// <exception cref="LibP2pFormatException">Too long, or a character outside the alphabet, or trailing bits that are not zero.</exception>
    public static byte[] DecodeRaw(ReadOnlySpan<char> text, MultibaseEncoding encoding)
    {
        if (text.Length > MaxTextLength)
        {
            throw new LibP2pFormatException($"The {encoding} text is {text.Length} characters; the limit is {MaxTextLength}.");
        }

        switch (encoding)
        {
            case MultibaseEncoding.Base58Btc:
                CheckAlphabet(text, Base58Alphabet, ignoreCase: false, encoding);
                return Base58.Bitcoin.Decode(text);
            case MultibaseEncoding.Base36Lower:
            case MultibaseEncoding.Base36Upper:
                CheckAlphabet(text, Base36LowerAlphabet, ignoreCase: encoding == MultibaseEncoding.Base36Upper, encoding);
                return Base36.LowerCase.Decode(ToLower(text, encoding == MultibaseEncoding.Base36Upper));
            case MultibaseEncoding.Base32Lower:
            case MultibaseEncoding.Base32Upper:
                return Base32Decode(text, upper: encoding == MultibaseEncoding.Base32Upper);
            case MultibaseEncoding.Base16Lower:
            case MultibaseEncoding.Base16Upper:
                CheckAlphabet(text, "0123456789abcdef", ignoreCase: encoding == MultibaseEncoding.Base16Upper, encoding);
                if (text.Length % 2 != 0)
                {
                    throw new LibP2pFormatException("The base16 text has an odd number of digits.");
                }

                return Convert.FromHexString(text);
            case MultibaseEncoding.Base64:
            case MultibaseEncoding.Base64Url:
                return Base64Decode(text, url: encoding == MultibaseEncoding.Base64Url);
            default:
                throw new LibP2pFormatException($"The multibase encoding {encoding} is not supported.");
        }
    }

    /// <summary>Decodes multibase text, or false when it is not valid multibase.</summary>
    public static bool TryDecode(ReadOnlySpan<char> text, out byte[] data, out MultibaseEncoding encoding)
    {
        try
        {
            data = Decode(text, out encoding);
            return true;
        }
        catch (LibP2pFormatException)
        {
            data = [];
            encoding = default;
            return false;
        }
    }

    /// <summary>RFC 4648 base32 without padding; in <paramref name="upper"/> case or lower.</summary>
    internal static string Base32Encode(ReadOnlySpan<byte> data, bool upper)
    {
        var alphabet = upper ? "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567" : Base32LowerAlphabet;
        var chars = new char[((data.Length * 8) + 4) / 5];
        int bits = 0, buffer = 0, c = 0;
        foreach (var b in data)
        {
            buffer = (buffer << 8) | b;
            bits += 8;
            while (bits >= 5)
            {
                bits -= 5;
                chars[c++] = alphabet[(buffer >> bits) & 31];
            }
        }

        if (bits > 0)
        {
            chars[c] = alphabet[(buffer << (5 - bits)) & 31];
        }

        return new string(chars);
    }

    /// <summary>RFC 4648 base32 without padding; rejects lengths no byte string encodes to and non-zero trailing bits.</summary>
    internal static byte[] Base32Decode(ReadOnlySpan<char> text, bool upper)
    {
        var leftover = text.Length * 5 % 8;
        if (leftover >= 5)
        {
            throw new LibP2pFormatException($"No byte string encodes to {text.Length} base32 characters.");
        }

        var bytes = new byte[text.Length * 5 / 8];
        int bits = 0, buffer = 0, o = 0;
        foreach (var ch in text)
        {
            int v = ch switch
            {
                >= 'a' and <= 'z' when !upper => ch - 'a',
                >= 'A' and <= 'Z' when upper => ch - 'A',
                >= '2' and <= '7' => ch - '2' + 26,
                _ => throw new LibP2pFormatException($"'{Printable(ch)}' is not a base32 {(upper ? "upper" : "lower")}-case character."),
            };
            buffer = ((buffer << 5) | v) & 0xFFF;
            bits += 5;
            if (bits >= 8)
            {
                bits -= 8;
                bytes[o++] = (byte)(buffer >> bits);
            }
        }

        if ((buffer & ((1 << bits) - 1)) != 0)
        {
            throw new LibP2pFormatException("The base32 text has non-zero trailing bits.");
        }

        return bytes;
    }

    private static byte[] Base64Decode(ReadOnlySpan<char> text, bool url)
    {
        // Unpadded RFC 4648 both ways; a final group of one character encodes no byte.
        if (text.Length % 4 == 1)
        {
            throw new LibP2pFormatException($"No byte string encodes to {text.Length} base64 characters.");
        }

        foreach (var ch in text)
        {
            var ok = ch is (>= 'A' and <= 'Z') or (>= 'a' and <= 'z') or (>= '0' and <= '9')
                || (url ? ch is '-' or '_' : ch is '+' or '/');
            if (!ok)
            {
                throw new LibP2pFormatException($"'{Printable(ch)}' is not a {(url ? "base64url" : "base64")} character.");
            }
        }

        var standard = new char[(text.Length + 3) / 4 * 4];
        for (var i = 0; i < standard.Length; i++)
        {
            standard[i] = i >= text.Length ? '=' : text[i] switch { '-' => '+', '_' => '/', var ch => ch };
        }

        var bytes = Convert.FromBase64CharArray(standard, 0, standard.Length);
        if (!Base64Url.EncodeToString(bytes).AsSpan().SequenceEqual(url ? text : Base64UrlOf(text)))
        {
            throw new LibP2pFormatException("The base64 text has non-zero trailing bits.");
        }

        return bytes;
    }

    private static string Base64UrlOf(ReadOnlySpan<char> text) => string.Create(text.Length, text.ToString(), static (span, s) =>
    {
        for (var i = 0; i < s.Length; i++)
        {
            span[i] = s[i] switch { '+' => '-', '/' => '_', var ch => ch };
        }
    });

    private static void CheckAlphabet(ReadOnlySpan<char> text, string alphabet, bool ignoreCase, MultibaseEncoding encoding)
    {
        foreach (var ch in text)
        {
            var probe = ignoreCase ? char.ToLowerInvariant(ch) : ch;
            if (probe > 0x7F || alphabet.IndexOf(probe, StringComparison.Ordinal) < 0 || (ignoreCase && char.IsAsciiLetterLower(ch)))
            {
                throw new LibP2pFormatException($"'{Printable(ch)}' is not a {encoding} character.");
            }
        }
    }

    private static ReadOnlySpan<char> ToLower(ReadOnlySpan<char> text, bool convert)
    {
        if (!convert)
        {
            return text;
        }

        var lower = new char[text.Length];
        text.ToLowerInvariant(lower);
        return lower;
    }

    /// <summary>A character as it can be shown in an error message.</summary>
    internal static string Printable(char ch) => char.IsControl(ch) || char.IsSurrogate(ch) ? $"\\u{(int)ch:x4}" : ch.ToString();
}
