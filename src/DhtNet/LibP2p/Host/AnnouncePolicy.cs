using System.Net;

namespace DhtNet.LibP2p.Host;

/// <summary>
/// The operator's say over what a host advertises (<see cref="LibP2pHostOptions.Announce"/>,
/// <see cref="LibP2pHostOptions.AppendAnnounce"/>, <see cref="LibP2pHostOptions.NoAnnounce"/>), with kubo's
/// Addresses.* semantics: Announce, when not empty, replaces the addresses the host found; AppendAnnounce
/// adds to whichever list that is; NoAnnounce removes addresses from the result, each entry either one
/// address or an <c>/ip4/…/ipcidr/N</c> or <c>/ip6/…/ipcidr/N</c> mask, and wins over both. Checked once,
/// when the host is made, so a wrong address fails at start and not as peers that never dial back.
/// </summary>
internal sealed class AnnouncePolicy
{
    /// <summary>NoAnnounce entries accepted; the filter runs over every advertised address on each refresh.</summary>
    public const int MaxNoAnnounce = 64;

    private const string NoTransport = "has no transport: /tcp/PORT or /udp/PORT must follow the host.";

    private readonly IReadOnlyList<Multiaddr> _announce;
    private readonly IReadOnlyList<Multiaddr> _append;
    private readonly HashSet<Multiaddr> _excluded;
    private readonly IReadOnlyList<(IPAddress Network, int PrefixLength)> _masks;

    private AnnouncePolicy(IReadOnlyList<Multiaddr> announce, IReadOnlyList<Multiaddr> append, HashSet<Multiaddr> excluded, IReadOnlyList<(IPAddress, int)> masks)
    {
        _announce = announce;
        _append = append;
        _excluded = excluded;
        _masks = masks;
    }

    /// <summary>
    /// The policy of <paramref name="options"/> for the host <paramref name="self"/>: addresses without a
    /// trailing <c>/p2p/</c> of <paramref name="self"/>, duplicates removed.
    /// </summary>
    /// <exception cref="ArgumentException">An entry is not an address peers could dial, names another peer, or there are too many; the parameter is the option's name.</exception>
    public static AnnouncePolicy Create(LibP2pHostOptions options, PeerId self)
    {
        var announce = Dialable(options.Announce, nameof(LibP2pHostOptions.Announce), self);
        var append = Dialable(options.AppendAnnounce, nameof(LibP2pHostOptions.AppendAnnounce), self);
        if (announce.Count > UnspecifiedAddresses.Max)
        {
            throw new ArgumentException($"{announce.Count} addresses; at most {UnspecifiedAddresses.Max} are advertised.", nameof(LibP2pHostOptions.Announce));
        }

        int total = announce.Union(append).Count();
        if (total > UnspecifiedAddresses.Max)
        {
            throw new ArgumentException(
                $"with Announce, {total} addresses; at most {UnspecifiedAddresses.Max} are advertised.", nameof(LibP2pHostOptions.AppendAnnounce));
        }

        const string noAnnounce = nameof(LibP2pHostOptions.NoAnnounce);
        if (options.NoAnnounce.Count > MaxNoAnnounce)
        {
            throw new ArgumentException($"{options.NoAnnounce.Count} entries; at most {MaxNoAnnounce}.", noAnnounce);
        }

        var excluded = new HashSet<Multiaddr>();
        var masks = new List<(IPAddress, int)>();
        foreach (var entry in options.NoAnnounce)
        {
            ArgumentNullException.ThrowIfNull(entry, noAnnounce);
            if (TryMask(entry, out var mask, out string? problem))
            {
                masks.Add(mask);
            }
            else
            {
                excluded.Add(problem is null ? Checked(entry, noAnnounce, self, allowUnspecified: true) : throw new ArgumentException($"'{entry}' {problem}", noAnnounce));
            }
        }

        return new AnnouncePolicy(announce, append, excluded, masks);
    }

    /// <summary>
    /// What the host advertises given the addresses it found (<paramref name="found"/>, wildcards already
    /// expanded): Announce or <paramref name="found"/>, then AppendAnnounce, less NoAnnounce, at most
    /// <see cref="UnspecifiedAddresses.Max"/>. Appended addresses are the operator's and are never the ones
    /// the cap pushes out; it takes found addresses from the end (loopback ones come last).
    /// </summary>
    public IReadOnlyList<Multiaddr> Apply(IReadOnlyList<Multiaddr> found)
    {
        var appended = _append.Where(Announced).ToList();
        var primary = (_announce.Count > 0 ? _announce : found)
            .Where(a => Announced(a) && !appended.Contains(a))
            .Distinct()
            .Take(UnspecifiedAddresses.Max - appended.Count);
        return [.. primary, .. appended];
    }

    private bool Announced(Multiaddr address)
    {
        if (_excluded.Contains(address))
        {
            return false;
        }

        if (_masks.Count == 0 || address.Components is not [var first, ..]
            || (first.Protocol != MultiaddrProtocol.Ip4 && first.Protocol != MultiaddrProtocol.Ip6))
        {
            return true;
        }

        var ip = new IPAddress(first.Value.Span);
        return !_masks.Any(m => InNetwork(ip, m.Network, m.PrefixLength));
    }

    private static bool InNetwork(IPAddress ip, IPAddress network, int prefixLength)
    {
        if (ip.AddressFamily != network.AddressFamily)
        {
            return false;
        }

        Span<byte> a = stackalloc byte[16];
        Span<byte> b = stackalloc byte[16];
        ip.TryWriteBytes(a, out int length);
        network.TryWriteBytes(b, out _);
        int whole = prefixLength / 8;
        if (!a[..whole].SequenceEqual(b[..whole]))
        {
            return false;
        }

        int rest = prefixLength % 8;
        byte bits = (byte)(0xFF << (8 - rest));
        return rest == 0 || whole >= length || (a[whole] & bits) == (b[whole] & bits);
    }

    /// <summary>
    /// True when <paramref name="entry"/> is <c>/ip4/A/ipcidr/N</c> or <c>/ip6/A/ipcidr/N</c>; a mask with a
    /// prefix longer than its family's address sets <paramref name="problem"/>.
    /// </summary>
    private static bool TryMask(Multiaddr entry, out (IPAddress, int) mask, out string? problem)
    {
        mask = default;
        problem = null;
        if (entry.Components is not [var ip, var cidr] || cidr.Protocol != MultiaddrProtocol.IpCidr
            || (ip.Protocol != MultiaddrProtocol.Ip4 && ip.Protocol != MultiaddrProtocol.Ip6))
        {
            return false;
        }

        int prefix = cidr.Value.Span[0];
        int bits = ip.Value.Length * 8;
        if (prefix > bits)
        {
            problem = $"has a /ipcidr/ prefix of {prefix} bits; an {ip.Protocol.Name} address has {bits}.";
            return false;
        }

        mask = (new IPAddress(ip.Value.Span), prefix);
        return true;
    }

    private static List<Multiaddr> Dialable(IReadOnlyList<Multiaddr> entries, string option, PeerId self)
    {
        var list = new List<Multiaddr>();
        foreach (var entry in entries)
        {
            ArgumentNullException.ThrowIfNull(entry, option);
            var address = Checked(entry, option, self, allowUnspecified: false);
            if (!list.Contains(address))
            {
                list.Add(address);
            }
        }

        return list;
    }

    /// <summary>
    /// <paramref name="entry"/> without a trailing <c>/p2p/</c> of <paramref name="self"/>, once it is a host
    /// (<c>/ip4/</c>, <c>/ip6/</c>, <c>/dns/</c>, <c>/dns4/</c>, <c>/dns6/</c>) followed by a transport port
    /// (<c>/tcp/</c> or <c>/udp/</c>, not 0) and, when it names a peer, names this one.
    /// </summary>
    private static Multiaddr Checked(Multiaddr entry, string option, PeerId self, bool allowUnspecified)
    {
        string? problem = entry.Components switch
        {
            [] => "is empty.",
            [var host, ..] when host.Protocol != MultiaddrProtocol.Ip4 && host.Protocol != MultiaddrProtocol.Ip6
                && host.Protocol != MultiaddrProtocol.Dns && host.Protocol != MultiaddrProtocol.Dns4 && host.Protocol != MultiaddrProtocol.Dns6
                => "does not begin with a host (/ip4/, /ip6/, /dns/, /dns4/ or /dns6/).",
            [_] => NoTransport,
            [_, var transport, ..] when transport.Protocol != MultiaddrProtocol.Tcp && transport.Protocol != MultiaddrProtocol.Udp => NoTransport,
            [_, var port, ..] when port.Value.Span.SequenceEqual((ReadOnlySpan<byte>)[0, 0]) => "has port 0, which no peer can dial.",
            _ when !allowUnspecified && UnspecifiedAddresses.IsUnspecified(entry)
                => "is unspecified (0.0.0.0 or ::): a peer dialling it reaches itself. Name the address peers reach this host at.",
            _ when entry.PeerId is { } peer && peer != self => $"names another peer ({peer}); this host is {self}.",
            _ => null,
        };
        return problem is null ? entry.WithoutPeerId() : throw new ArgumentException($"'{entry}' {problem}", option);
    }
}
