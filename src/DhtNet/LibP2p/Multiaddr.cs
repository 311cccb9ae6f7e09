using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Net.Sockets;
using System.Text;
using DhtNet.LibP2p.Multiformats;

namespace DhtNet.LibP2p;

/// <summary>
/// A multiaddr: a path of protocols and values (<c>/ip4/1.2.3.4/tcp/4001/p2p/12D3Koo…</c>), in text or
/// binary (varint code, then the value: fixed length or varint-length-prefixed). Immutable; equal when
/// the binary forms are equal. Every protocol of the multiaddr table is read; other codes and names
/// are rejected with <see cref="LibP2pFormatException"/>.
/// </summary>
public sealed class Multiaddr : IEquatable<Multiaddr>
{
    /// <summary>The longest binary form accepted; a peer's address list is bounded by this times its count.</summary>
    public const int MaxLength = 2048;

    /// <summary>The most components accepted.</summary>
    public const int MaxComponents = 32;

    private readonly byte[] _bytes;
    private readonly MultiaddrComponent[] _components;
    private string? _text;

    private Multiaddr(byte[] bytes, MultiaddrComponent[] components, string? text)
    {
        _bytes = bytes;
        _components = components;
        _text = text;
    }

    /// <summary>The address with no components (text "/", no bytes).</summary>
    public static Multiaddr Empty { get; } = new([], [], "/");

    /// <summary>The components in order.</summary>
    public IReadOnlyList<MultiaddrComponent> Components => _components;

    /// <summary>The binary form, without copying.</summary>
    public ReadOnlyMemory<byte> Bytes => _bytes;

    /// <summary>The peer id of a trailing <c>/p2p/</c> component, or null when the address does not end in one.</summary>
    public PeerId? PeerId =>
        _components.Length > 0 && _components[^1].Protocol == MultiaddrProtocol.P2p
            ? LibP2p.PeerId.FromBytes(_components[^1].Value.Span)
            : null;

    /// <summary>Parses the text form.</summary>
    /// <exception cref="LibP2pFormatException">Not a multiaddr: no leading '/', an unknown protocol, a missing or invalid value, or over the limits.</exception>
    public static Multiaddr Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!text.StartsWith('/'))
        {
            throw new LibP2pFormatException("A multiaddr starts with '/'.");
        }

        if (text.Length > MaxLength * 4)
        {
            throw new LibP2pFormatException($"The multiaddr text is {text.Length} characters; the limit is {MaxLength * 4}.");
        }

        var parts = text.Split('/');
        // A trailing '/' is allowed ("/ip4/1.2.3.4/"), as other implementations allow it.
        var count = parts[^1].Length == 0 ? parts.Length - 1 : parts.Length;
        var components = new List<MultiaddrComponent>();
        for (var i = 1; i < count; i++)
        {
            if (!MultiaddrProtocol.TryGet(parts[i], out var protocol))
            {
                throw new LibP2pFormatException(parts[i].Length == 0
                    ? "The multiaddr has an empty protocol name ('//')."
                    : $"'{parts[i]}' is not a multiaddr protocol.");
            }

            if (protocol.Kind == MultiaddrValueKind.None)
            {
                components.Add(MultiaddrComponent.FromBytes(protocol, []));
                continue;
            }

            if (++i >= count)
            {
                throw new LibP2pFormatException($"/{protocol.Name} needs a value.");
            }

            components.Add(MultiaddrComponent.Parse(protocol, parts[i]));
        }

        return Create(components);
    }

    /// <summary>Like <see cref="Parse"/>, but false for text that is not a multiaddr.</summary>
    public static bool TryParse([NotNullWhen(true)] string? text, [NotNullWhen(true)] out Multiaddr? multiaddr)
    {
        multiaddr = null;
        if (text is null)
        {
            return false;
        }

        try
        {
            multiaddr = Parse(text);
            return true;
        }
        catch (LibP2pFormatException)
        {
            return false;
        }
    }

    /// <summary>Parses the binary form, which must be all of <paramref name="bytes"/>.</summary>
    /// <exception cref="LibP2pFormatException">An unknown code, a truncated or invalid value, or over the limits.</exception>
    public static Multiaddr FromBytes(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length > MaxLength)
        {
            throw new LibP2pFormatException($"The multiaddr is {bytes.Length} bytes; the limit is {MaxLength}.");
        }

        var components = new List<MultiaddrComponent>();
        var offset = 0;
        while (offset < bytes.Length)
        {
            if (components.Count == MaxComponents)
            {
                throw new LibP2pFormatException($"The multiaddr has more than {MaxComponents} components.");
            }

            var code = Varint.ReadInt32(bytes[offset..], int.MaxValue, "multiaddr protocol code", out var codeLength);
            if (!MultiaddrProtocol.TryGet(code, out var protocol))
            {
                throw new LibP2pFormatException($"The multiaddr protocol code {code} is not in the table.");
            }

            offset += codeLength;
            var length = protocol.FixedLength;
            if (length < 0)
            {
                length = Varint.ReadInt32(bytes[offset..], MultiaddrComponent.MaxValueLength, $"/{protocol.Name} value length", out var lengthLength);
                offset += lengthLength;
            }

            if (bytes.Length - offset < length)
            {
                throw new LibP2pFormatException($"The /{protocol.Name} value is truncated: {length} bytes needed, {bytes.Length - offset} present.");
            }

            components.Add(MultiaddrComponent.FromBytes(protocol, bytes.Slice(offset, length)));
            offset += length;
        }

        return new Multiaddr(bytes.ToArray(), [.. components], null);
    }

    /// <summary>Like <see cref="FromBytes"/>, but false for bytes that are not a multiaddr.</summary>
    public static bool TryFromBytes(ReadOnlySpan<byte> bytes, [NotNullWhen(true)] out Multiaddr? multiaddr)
    {
        try
        {
            multiaddr = FromBytes(bytes);
            return true;
        }
        catch (LibP2pFormatException)
        {
            multiaddr = null;
            return false;
        }
    }

    /// <summary>The address made of <paramref name="components"/>.</summary>
    /// <exception cref="LibP2pFormatException">Over <see cref="MaxComponents"/> or <see cref="MaxLength"/>.</exception>
    public static Multiaddr Create(IEnumerable<MultiaddrComponent> components)
    {
        ArgumentNullException.ThrowIfNull(components);
        var array = components.ToArray();
        if (array.Length > MaxComponents)
        {
            throw new LibP2pFormatException($"The multiaddr has more than {MaxComponents} components.");
        }

        var length = 0;
        foreach (var component in array)
        {
            if (component.Protocol is null)
            {
                throw new ArgumentException("A default MultiaddrComponent is not a component.", nameof(components));
            }

            length += Varint.GetLength((ulong)component.Protocol.Code) + component.Value.Length
                + (component.Protocol.FixedLength < 0 ? Varint.GetLength((ulong)component.Value.Length) : 0);
        }

        if (length > MaxLength)
        {
            throw new LibP2pFormatException($"The multiaddr is {length} bytes; the limit is {MaxLength}.");
        }

        var bytes = new byte[length];
        var offset = 0;
        var parts = new MultiaddrComponent[array.Length];
        for (var i = 0; i < array.Length; i++)
        {
            var component = array[i];
            offset += Varint.Write(bytes.AsSpan(offset), (ulong)component.Protocol.Code);
            if (component.Protocol.FixedLength < 0)
            {
                offset += Varint.Write(bytes.AsSpan(offset), (ulong)component.Value.Length);
            }

            component.Value.Span.CopyTo(bytes.AsSpan(offset));
            offset += component.Value.Length;
            parts[i] = component;
        }

        return new Multiaddr(bytes, parts, null);
    }

    /// <summary><c>/ip4/…/tcp/…</c> or <c>/ip6/…/tcp/…</c> for <paramref name="endPoint"/> (an IPv4-mapped address becomes ip4).</summary>
    public static Multiaddr FromTcpEndPoint(IPEndPoint endPoint)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        var address = endPoint.Address.Unmapped();
        if (address.AddressFamily == AddressFamily.InterNetworkV6 && address.ScopeId != 0)
        {
            // A link-local scope is local to this host; the address travels without it.
            address = new IPAddress(address.GetAddressBytes());
        }

        var ip = MultiaddrComponent.FromBytes(address.AddressFamily == AddressFamily.InterNetwork ? MultiaddrProtocol.Ip4 : MultiaddrProtocol.Ip6, address.GetAddressBytes());
        Span<byte> port = [(byte)(endPoint.Port >> 8), (byte)endPoint.Port];
        return Create([ip, MultiaddrComponent.FromBytes(MultiaddrProtocol.Tcp, port)]);
    }

    /// <summary>
    /// The TCP endpoint of an address that is exactly ip4 or ip6, then tcp, then optionally the peer's
    /// <c>/p2p/</c> (anything else, such as <c>/ws</c> or <c>/tls</c>, is not plain TCP).
    /// </summary>
    public bool TryGetTcpEndPoint([NotNullWhen(true)] out IPEndPoint? endPoint)
    {
        endPoint = null;
        var c = _components;
        if (c.Length < 2 || c.Length > 3 || c[1].Protocol != MultiaddrProtocol.Tcp
            || (c[0].Protocol != MultiaddrProtocol.Ip4 && c[0].Protocol != MultiaddrProtocol.Ip6)
            || (c.Length == 3 && c[2].Protocol != MultiaddrProtocol.P2p))
        {
            return false;
        }

        var port = c[1].Value.Span;
        endPoint = new IPEndPoint(new IPAddress(c[0].Value.Span), (port[0] << 8) | port[1]);
        return true;
    }

    /// <summary>This address ending in <c>/p2p/{peerId}</c>, replacing the peer id it ended in, if any.</summary>
    public Multiaddr WithPeerId(PeerId peerId)
    {
        var p2p = MultiaddrComponent.ForPeerId(peerId);
        return PeerId == peerId ? this : Create(WithoutPeerId()._components.Append(p2p));
    }

    /// <summary>This address without its trailing <c>/p2p/</c> component (itself when there is none).</summary>
    public Multiaddr WithoutPeerId() =>
        _components.Length > 0 && _components[^1].Protocol == MultiaddrProtocol.P2p ? Create(_components[..^1]) : this;

    /// <summary>This address followed by <paramref name="other"/> (<c>/ip4/…/tcp/…</c> + <c>/p2p/…</c>).</summary>
    public Multiaddr Encapsulate(Multiaddr other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return Create(_components.Concat(other._components));
    }

    /// <summary>The binary form.</summary>
    public byte[] ToBytes() => (byte[])_bytes.Clone();

    /// <summary>The text form; the old name <c>/ipfs/</c> is written <c>/p2p/</c>, values in their canonical text.</summary>
    public override string ToString()
    {
        if (_text is null)
        {
            var builder = new StringBuilder();
            foreach (var component in _components)
            {
                builder.Append(component.ToString());
            }

            // Computing twice on a race gives the same string; no lock needed.
            _text = builder.Length == 0 ? "/" : builder.ToString();
        }

        return _text;
    }

    public bool Equals(Multiaddr? other) => other is not null && _bytes.AsSpan().SequenceEqual(other._bytes);

    public override bool Equals(object? obj) => Equals(obj as Multiaddr);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.AddBytes(_bytes);
        return hash.ToHashCode();
    }

    public static bool operator ==(Multiaddr? left, Multiaddr? right) => left is null ? right is null : left.Equals(right);

    public static bool operator !=(Multiaddr? left, Multiaddr? right) => !(left == right);
}
