using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using DhtNet.LibP2p.Multiformats;

namespace DhtNet.LibP2p;

/// <summary>
/// One protocol of a multiaddr and its value (<c>/tcp/4001</c>): the value in binary form, checked
/// for its protocol, and printed in the protocol's text form.
/// </summary>
public readonly struct MultiaddrComponent : IEquatable<MultiaddrComponent>
{
    /// <summary>The longest value accepted (I2P destinations, the largest in the table, are about 400 bytes).</summary>
    public const int MaxValueLength = 1024;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly byte[]? _value;

    private MultiaddrComponent(MultiaddrProtocol protocol, byte[] value)
    {
        Protocol = protocol;
        _value = value;
    }

    /// <summary>The protocol.</summary>
    public MultiaddrProtocol Protocol { get; }

    /// <summary>The value in binary form (empty for protocols without a value).</summary>
    public ReadOnlyMemory<byte> Value => _value;

    /// <summary>The value in text form (empty for protocols without a value).</summary>
    public string ValueText => Protocol is null ? string.Empty : ToText(Protocol, _value);

    /// <summary>A component from a value in binary form.</summary>
    /// <exception cref="LibP2pFormatException">The value is invalid for the protocol.</exception>
    public static MultiaddrComponent FromBytes(MultiaddrProtocol protocol, ReadOnlySpan<byte> value)
    {
        ArgumentNullException.ThrowIfNull(protocol);
        Validate(protocol, value);
        return new MultiaddrComponent(protocol, value.ToArray());
    }

    /// <summary>A component from a value in text form.</summary>
    /// <exception cref="LibP2pFormatException">The text is invalid for the protocol.</exception>
    public static MultiaddrComponent Parse(MultiaddrProtocol protocol, string value)
    {
        ArgumentNullException.ThrowIfNull(protocol);
        ArgumentNullException.ThrowIfNull(value);
        var bytes = FromText(protocol, value);
        Validate(protocol, bytes);
        return new MultiaddrComponent(protocol, bytes);
    }

    /// <summary>The <c>/p2p/</c> component for <paramref name="peerId"/>.</summary>
    public static MultiaddrComponent ForPeerId(PeerId peerId) =>
        peerId.IsEmpty ? throw new ArgumentException("The empty peer id has no address.", nameof(peerId)) : new(MultiaddrProtocol.P2p, peerId.Bytes.ToArray());

    /// <summary>The component's text: <c>/name</c> or <c>/name/value</c>.</summary>
    public override string ToString() =>
        Protocol is null ? string.Empty : Protocol.Kind == MultiaddrValueKind.None ? "/" + Protocol.Name : $"/{Protocol.Name}/{ValueText}";

    public bool Equals(MultiaddrComponent other) =>
        ReferenceEquals(Protocol, other.Protocol) && _value.AsSpan().SequenceEqual(other._value);

    public override bool Equals(object? obj) => obj is MultiaddrComponent other && Equals(other);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(Protocol?.Code);
        hash.AddBytes(_value);
        return hash.ToHashCode();
    }

    public static bool operator ==(MultiaddrComponent left, MultiaddrComponent right) => left.Equals(right);

    public static bool operator !=(MultiaddrComponent left, MultiaddrComponent right) => !left.Equals(right);

    /// <summary>Checks a binary value: the bytes must be what the text form would produce.</summary>
    internal static void Validate(MultiaddrProtocol protocol, ReadOnlySpan<byte> value)
    {
        var fixedLength = protocol.FixedLength;
        if (fixedLength >= 0 && value.Length != fixedLength)
        {
            throw new LibP2pFormatException($"A /{protocol.Name} value is {fixedLength} bytes, not {value.Length}.");
        }

        if (value.Length > MaxValueLength)
        {
            throw new LibP2pFormatException($"The /{protocol.Name} value is {value.Length} bytes; the limit is {MaxValueLength}.");
        }

        switch (protocol.Kind)
        {
            case MultiaddrValueKind.Text:
                var text = DecodeUtf8(protocol, value);
                if (text.Length == 0 || text.Contains('/', StringComparison.Ordinal))
                {
                    throw new LibP2pFormatException($"A /{protocol.Name} value must be non-empty and contain no '/'.");
                }

                break;
            case MultiaddrValueKind.PercentEncoded:
                if (DecodeUtf8(protocol, value).Length == 0)
                {
                    throw new LibP2pFormatException($"A /{protocol.Name} value must be non-empty.");
                }

                break;
            case MultiaddrValueKind.PeerId:
                PeerId.FromBytes(value);
                break;
            case MultiaddrValueKind.Multihash:
                Multihash.FromBytes(value);
                break;
            case MultiaddrValueKind.Onion:
            case MultiaddrValueKind.Onion3:
                if (BinaryPrimitives.ReadUInt16BigEndian(value[^2..]) == 0)
                {
                    throw new LibP2pFormatException($"A /{protocol.Name} port must be 1 to 65535.");
                }

                break;
            case MultiaddrValueKind.Garlic64:
                if (value.Length < 386)
                {
                    throw new LibP2pFormatException($"A /garlic64 destination is at least 386 bytes, not {value.Length}.");
                }

                break;
            case MultiaddrValueKind.Garlic32:
                if (value.Length is < 35 and not 32)
                {
                    throw new LibP2pFormatException($"A /garlic32 address is 32 or at least 35 bytes, not {value.Length}.");
                }

                break;
        }
    }

    private static string DecodeUtf8(MultiaddrProtocol protocol, ReadOnlySpan<byte> value)
    {
        try
        {
            return StrictUtf8.GetString(value);
        }
        catch (DecoderFallbackException e)
        {
            throw new LibP2pFormatException($"The /{protocol.Name} value is not UTF-8.", e);
        }
    }

    private static byte[] FromText(MultiaddrProtocol protocol, string text)
    {
        switch (protocol.Kind)
        {
            case MultiaddrValueKind.None:
                return [];
            case MultiaddrValueKind.IPv4:
                // IPAddress.Parse also takes "1", "0x7f.1" and the like; only the dotted quad that prints back is an ip4.
                if (!IPAddress.TryParse(text, out var v4) || v4.AddressFamily != AddressFamily.InterNetwork || v4.ToString() != text)
                {
                    throw new LibP2pFormatException($"'{text}' is not an IPv4 address in dotted-quad form.");
                }

                return v4.GetAddressBytes();
            case MultiaddrValueKind.IPv6:
                if (text.Contains('%', StringComparison.Ordinal) || !IPAddress.TryParse(text, out var v6) || v6.AddressFamily != AddressFamily.InterNetworkV6)
                {
                    throw new LibP2pFormatException($"'{text}' is not an IPv6 address (a zone goes in /ip6zone).");
                }

                return v6.GetAddressBytes();
            case MultiaddrValueKind.Port:
                return BigEndian(ParseNumber(protocol, text, ushort.MaxValue), 2);
            case MultiaddrValueKind.Byte:
                return [(byte)ParseNumber(protocol, text, byte.MaxValue)];
            case MultiaddrValueKind.Text:
                return Encoding.UTF8.GetBytes(text);
            case MultiaddrValueKind.PercentEncoded:
                return PercentDecode(protocol, text);
            case MultiaddrValueKind.PeerId:
                return PeerId.Parse(text).Bytes.ToArray();
            case MultiaddrValueKind.Multihash:
                return Multibase.Decode(text);
            case MultiaddrValueKind.Onion:
                return OnionFromText(protocol, text, 16);
            case MultiaddrValueKind.Onion3:
                return OnionFromText(protocol, text, 56);
            case MultiaddrValueKind.Garlic64:
                return Garlic64FromText(text);
            case MultiaddrValueKind.Garlic32:
                return Multibase.Base32Decode(text, upper: false);
            default:
                throw new LibP2pFormatException($"The /{protocol.Name} value cannot be parsed.");
        }
    }

    private static string ToText(MultiaddrProtocol protocol, ReadOnlySpan<byte> value) => protocol.Kind switch
    {
        MultiaddrValueKind.None => string.Empty,
        MultiaddrValueKind.IPv4 or MultiaddrValueKind.IPv6 => new IPAddress(value).ToString(),
        MultiaddrValueKind.Port => BinaryPrimitives.ReadUInt16BigEndian(value).ToString(CultureInfo.InvariantCulture),
        MultiaddrValueKind.Byte => value[0].ToString(CultureInfo.InvariantCulture),
        MultiaddrValueKind.Text => Encoding.UTF8.GetString(value),
        MultiaddrValueKind.PercentEncoded => PercentEncode(Encoding.UTF8.GetString(value)),
        MultiaddrValueKind.PeerId => Multibase.EncodeRaw(value, MultibaseEncoding.Base58Btc),
        MultiaddrValueKind.Multihash => Multibase.Encode(value, MultibaseEncoding.Base64Url),
        MultiaddrValueKind.Onion or MultiaddrValueKind.Onion3 =>
            $"{Multibase.Base32Encode(value[..^2], upper: false)}:{BinaryPrimitives.ReadUInt16BigEndian(value[^2..]).ToString(CultureInfo.InvariantCulture)}",
        MultiaddrValueKind.Garlic64 => Convert.ToBase64String(value).Replace('+', '-').Replace('/', '~'),
        MultiaddrValueKind.Garlic32 => Multibase.Base32Encode(value, upper: false),
        _ => Convert.ToHexStringLower(value),
    };

    private static int ParseNumber(MultiaddrProtocol protocol, string text, int max)
    {
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number > max)
        {
            throw new LibP2pFormatException($"'{text}' is not a /{protocol.Name} value (a decimal number up to {max}).");
        }

        return number;
    }

    private static byte[] BigEndian(int value, int length)
    {
        var bytes = new byte[length];
        BinaryPrimitives.WriteUInt16BigEndian(bytes, (ushort)value);
        return bytes;
    }

    private static byte[] OnionFromText(MultiaddrProtocol protocol, string text, int hostLength)
    {
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon != hostLength)
        {
            throw new LibP2pFormatException($"A /{protocol.Name} value is {hostLength} base32 characters, ':' and a port.");
        }

        var host = Multibase.Base32Decode(text.AsSpan(0, colon), upper: false);
        var port = ParseNumber(protocol, text[(colon + 1)..], ushort.MaxValue);
        var bytes = new byte[host.Length + 2];
        host.CopyTo(bytes, 0);
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(host.Length), (ushort)port);
        return bytes;
    }

    private static byte[] Garlic64FromText(string text)
    {
        // I2P's base64 alphabet ends in '-' and '~' instead of '+' and '/'; padding is kept.
        foreach (var ch in text)
        {
            if (!(char.IsAsciiLetterOrDigit(ch) || ch is '-' or '~' or '='))
            {
                throw new LibP2pFormatException($"'{Multibase.Printable(ch)}' is not an I2P base64 character.");
            }
        }

        var standard = text.Replace('-', '+').Replace('~', '/');
        if (!Convert.TryFromBase64String(standard, new byte[standard.Length], out var written))
        {
            throw new LibP2pFormatException("The /garlic64 value is not I2P base64.");
        }

        var bytes = Convert.FromBase64String(standard);
        return written == bytes.Length && Convert.ToBase64String(bytes) == standard
            ? bytes
            : throw new LibP2pFormatException("The /garlic64 value is not canonical I2P base64.");
    }

    /// <summary>Escapes as JavaScript's encodeURIComponent does, so the text matches js-libp2p's.</summary>
    private static string PercentEncode(string text)
    {
        var builder = new StringBuilder(text.Length);
        Span<byte> utf8 = stackalloc byte[4];
        foreach (var rune in text.EnumerateRunes())
        {
            if (rune.IsAscii && (char.IsAsciiLetterOrDigit((char)rune.Value) || "-_.!~*'()".Contains((char)rune.Value, StringComparison.Ordinal)))
            {
                builder.Append((char)rune.Value);
                continue;
            }

            var length = rune.EncodeToUtf8(utf8);
            foreach (var b in utf8[..length])
            {
                builder.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
            }
        }

        return builder.ToString();
    }

    private static byte[] PercentDecode(MultiaddrProtocol protocol, string text)
    {
        var bytes = new List<byte>(text.Length);
        Span<byte> utf8 = stackalloc byte[4];
        for (var i = 0; i < text.Length; i++)
        {
            var ch = text[i];
            if (ch == '%')
            {
                if (i + 2 >= text.Length || !byte.TryParse(text.AsSpan(i + 1, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var b))
                {
                    throw new LibP2pFormatException($"The /{protocol.Name} value has a '%' not followed by two hex digits.");
                }

                bytes.Add(b);
                i += 2;
            }
            else if (char.IsSurrogate(ch))
            {
                if (!Rune.TryGetRuneAt(text, i, out var rune))
                {
                    throw new LibP2pFormatException($"The /{protocol.Name} value has a lone surrogate.");
                }

                var length = rune.EncodeToUtf8(utf8);
                foreach (var u in utf8[..length])
                {
                    bytes.Add(u);
                }

                i++;
            }
            else
            {
                var length = new Rune(ch).EncodeToUtf8(utf8);
                foreach (var u in utf8[..length])
                {
                    bytes.Add(u);
                }
            }
        }

        return [.. bytes];
    }
}
