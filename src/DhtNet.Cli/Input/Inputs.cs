using System.Net;
using System.Net.Sockets;
using System.Text;

namespace DhtNet.Cli.Input;

/// <summary>
/// Checks of command-line values. Each failure is a <see cref="CliException"/> (exit code 1) whose
/// message names the argument and says what is wrong, e.g. "infohash must be 40 hex digits, got 39".
/// </summary>
internal static class Inputs
{
    /// <summary>A 20-byte key, id, infohash or target written as 40 hex digits.</summary>
    public static NodeId Hex20(string name, string? text)
    {
        text = text?.Trim() ?? string.Empty;
        if (text.Length != NodeId.Size * 2)
        {
            throw CliException.BadInput($"{name} must be 40 hex digits, got {text.Length}");
        }

        if (!NodeId.TryParse(text, out var id))
        {
            throw CliException.BadInput($"{name} must be 40 hex digits, got '{text}', which is not hexadecimal");
        }

        return id;
    }

    /// <summary>A UDP port to bind: 0 (any free port) to 65535.</summary>
    public static int BindPort(string name, int port) =>
        port is >= 0 and <= IPEndPoint.MaxPort ? port : throw CliException.BadInput($"{name} must be 0..65535, got {port}");

    /// <summary>A port to announce or reach: 1 to 65535.</summary>
    public static int Port(string name, int port) =>
        port is >= 1 and <= IPEndPoint.MaxPort ? port : throw CliException.BadInput($"{name} must be 1..65535, got {port}");

    public static int AtLeast(string name, int value, int minimum) =>
        value >= minimum ? value : throw CliException.BadInput($"{name} must be at least {minimum}, got {value}");

    public static TimeSpan Seconds(string name, double seconds) =>
        seconds > 0 && double.IsFinite(seconds) && seconds <= int.MaxValue / 1000
            ? TimeSpan.FromSeconds(seconds)
            : throw CliException.BadInput($"{name} must be a positive number of seconds, got {seconds}");

    /// <summary>A "host:port" written by the user (hostnames are resolved later).</summary>
    public static HostPort HostPort(string name, string text)
    {
        try
        {
            return DhtNet.Mainline.HostPort.Parse(text.Trim(), name);
        }
        catch (ArgumentException e)
        {
            throw CliException.BadInput(e.Message.Split(" (Parameter", 2)[0].TrimEnd('.'));
        }
    }

    /// <summary>Resolves a "host:port" to one endpoint, preferring IPv4.</summary>
    public static async Task<IPEndPoint> ResolveAsync(string name, string text, CancellationToken cancellationToken)
    {
        var hostPort = HostPort(name, text);
        IPEndPoint[] endPoints;
        try
        {
            endPoints = await hostPort.ResolveAsync(cancellationToken);
        }
        catch (SocketException e)
        {
            throw CliException.BadInput($"{name}: cannot resolve '{hostPort.Host}' ({e.Message})");
        }

        return endPoints.FirstOrDefault(e => e.AddressFamily == AddressFamily.InterNetwork)
            ?? endPoints.FirstOrDefault()
            ?? throw CliException.BadInput($"{name}: '{hostPort.Host}' has no address");
    }

    /// <summary>
    /// Bootstrap nodes from "--bootstrap a:1,b:2" (repeatable): null or empty gives
    /// <paramref name="fallback"/>, "none" gives an empty list.
    /// </summary>
    public static IReadOnlyList<string> Bootstrap(string name, string[]? values, IReadOnlyList<string> fallback)
    {
        var entries = Entries(values);
        if (entries.Count == 0)
        {
            return fallback;
        }

        if (entries.Any(e => e.Equals("none", StringComparison.OrdinalIgnoreCase)))
        {
            return entries.Count == 1 ? [] : throw CliException.BadInput($"{name}: 'none' cannot be combined with addresses");
        }

        return [.. entries.Select(e => HostPort(name, e).ToString())];
    }

    /// <summary>
    /// --bootstrap for both networks: "/..." entries are multiaddrs for the IPFS DHT (ending in
    /// /p2p/&lt;peer id&gt;, TCP or /dnsaddr/), the others host:port for Mainline. Not given: each network's
    /// default; "none": no bootstrap at all; given: each network gets only its own entries.
    /// </summary>
    public static BootstrapLists Bootstrap(string name, string[]? values, DhtNetworks networks, IReadOnlyList<string> mainlineDefault, IReadOnlyList<Multiaddr> ipfsDefault)
    {
        var entries = Entries(values);
        if (entries.Count == 0)
        {
            return new BootstrapLists(mainlineDefault, ipfsDefault);
        }

        if (entries.Any(e => e.Equals("none", StringComparison.OrdinalIgnoreCase)))
        {
            return entries.Count == 1 ? new BootstrapLists([], []) : throw CliException.BadInput($"{name}: 'none' cannot be combined with addresses");
        }

        var mainline = new List<string>();
        var ipfs = new List<Multiaddr>();
        foreach (string entry in entries)
        {
            if (entry.StartsWith('/'))
            {
                ipfs.Add(BootstrapMultiaddr(name, entry));
            }
            else
            {
                mainline.Add(HostPort(name, entry).ToString());
            }
        }

        if (!networks.Has(DhtNetworks.Ipfs) && ipfs.Count > 0)
        {
            throw CliException.BadInput($"{name}: '{ipfs[0]}' is a multiaddr, for the IPFS DHT; this command runs --network {Networks.MainlineName}");
        }

        if (!networks.Has(DhtNetworks.Mainline) && mainline.Count > 0)
        {
            throw CliException.BadInput($"{name}: '{mainline[0]}' is host:port, for the Mainline DHT; --network {Networks.IpfsName} bootstraps from multiaddrs such as /ip4/127.0.0.1/tcp/4001/p2p/<peer id>");
        }

        return new BootstrapLists(mainline, ipfs);
    }

    /// <summary>A multiaddr to bootstrap from: TCP over IPv4/IPv6 or /dnsaddr/, ending in /p2p/&lt;peer id&gt;.</summary>
    public static Multiaddr BootstrapMultiaddr(string name, string text)
    {
        var address = Multiaddr(name, text);
        if (address.PeerId is null)
        {
            throw CliException.BadInput($"{name}: multiaddr '{text}' must end in /p2p/<peer id>");
        }

        if (!DnsAddrResolver.IsDnsAddr(address) && !address.TryGetTcpEndPoint(out _))
        {
            throw CliException.BadInput($"{name}: multiaddr '{text}' is neither /ip4|ip6/<address>/tcp/<port> nor /dnsaddr/<host>");
        }

        return address;
    }

    /// <summary>A multiaddr in text form.</summary>
    public static Multiaddr Multiaddr(string name, string? text) => ParseFormat(name, text, "multiaddr", LibP2p.Multiaddr.Parse);

    /// <summary>A peer id: base58btc (12D3Koo…, Qm…) or a CIDv1 with the libp2p-key codec.</summary>
    public static PeerId PeerId(string name, string? text) => ParseFormat(name, text, "peer id", LibP2p.PeerId.Parse);

    /// <summary>A CID (v0 Qm… or v1 in any multibase).</summary>
    public static Cid Cid(string name, string? text) => ParseFormat(name, text, "CID", LibP2p.Cid.Parse);

    /// <summary>A multiformats value: the parser's own complaint, after the argument's name and text.</summary>
    private static T ParseFormat<T>(string name, string? text, string what, Func<string, T> parse)
    {
        text = text?.Trim() ?? string.Empty;
        try
        {
            return parse(text);
        }
        catch (LibP2pFormatException e)
        {
            throw CliException.BadInput($"{name}: '{text}' is not a valid {what} ({e.Message.TrimEnd('.')})");
        }
    }

    /// <summary>A key to look up on the IPFS DHT: a peer id (its multihash) or a CID (its multihash, as provider records are keyed).</summary>
    public static byte[] IpfsLookupKey(string name, string? text)
    {
        text = text?.Trim() ?? string.Empty;
        if (LibP2p.PeerId.TryParse(text, out var peer))
        {
            return peer.Bytes.ToArray();
        }

        if (LibP2p.Cid.TryParse(text, out var cid))
        {
            return cid.Multihash.Bytes.ToArray();
        }

        throw CliException.BadInput($"{name}: '{text}' is neither a peer id nor a CID");
    }

    /// <summary>An IPFS DHT record key written as kubo takes it, /pk/&lt;peer id&gt; or /ipns/&lt;peer id&gt;: its binary form.</summary>
    public static byte[] RecordKey(string name, string? text)
    {
        text = text?.Trim() ?? string.Empty;
        foreach (string prefix in (string[])["/pk/", "/ipns/"])
        {
            if (text.StartsWith(prefix, StringComparison.Ordinal))
            {
                if (!LibP2p.PeerId.TryParse(text[prefix.Length..], out var peer))
                {
                    throw CliException.BadInput($"{name}: '{text}' does not name a valid peer id after {prefix}");
                }

                return prefix == "/pk/" ? Ipfs.Records.PublicKeyRecordValidator.KeyFor(peer) : Ipfs.Records.IpnsRecord.KeyFor(peer);
            }
        }

        throw CliException.BadInput($"{name}: '{text}' is not an IPFS record key; give /pk/<peer id> or /ipns/<peer id>");
    }

    /// <summary>A DNS server to ask: an IP address, with :port or not (53).</summary>
    public static IPEndPoint? DnsServer(string name, string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        if (IPAddress.TryParse(text.Trim('[', ']'), out var bare))
        {
            return new IPEndPoint(bare, 53);
        }

        return IPEndPoint.TryParse(text, out var endPoint) && endPoint.Port > 0
            ? endPoint
            : throw CliException.BadInput($"{name} takes an IP address with an optional :port, got '{text}'");
    }

    /// <summary>Addresses to bind (comma separated or repeated), at most one per address family.</summary>
    public static IReadOnlyList<IPAddress>? BindAddresses(string name, string[]? values)
    {
        var entries = Entries(values);
        if (entries.Count == 0)
        {
            return null;
        }

        var addresses = new List<IPAddress>();
        foreach (string entry in entries)
        {
            if (!IPAddress.TryParse(entry.Trim('[', ']'), out var address))
            {
                throw CliException.BadInput($"{name} takes IP addresses, got '{entry}'");
            }

            if (addresses.Any(a => a.AddressFamily == address.AddressFamily))
            {
                throw CliException.BadInput($"{name} takes at most one IPv4 and one IPv6 address, got '{string.Join(",", entries)}'");
            }

            addresses.Add(address);
        }

        return addresses;
    }

    /// <summary>A BEP 44 salt given as text: its UTF-8 bytes, at most 64.</summary>
    public static byte[] Salt(string name, string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return [];
        }

        byte[] salt = Encoding.UTF8.GetBytes(text);
        return salt.Length <= ItemRules.MaxSaltSize
            ? salt
            : throw CliException.BadInput($"{name} must be at most {ItemRules.MaxSaltSize} bytes, got {salt.Length}");
    }

    public static long NonNegative(string name, long value) =>
        value >= 0 ? value : throw CliException.BadInput($"{name} must be 0 or more, got {value}");

    /// <summary>The entries of a list option given comma separated, repeated, or both.</summary>
    private static List<string> Entries(string[]? values) =>
        [.. (values ?? []).SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))];
}

/// <summary>What each network bootstraps from: Mainline host:port entries and IPFS multiaddrs.</summary>
internal sealed record BootstrapLists(IReadOnlyList<string> Mainline, IReadOnlyList<Multiaddr> Ipfs);
