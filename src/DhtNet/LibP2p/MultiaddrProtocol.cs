using System.Diagnostics.CodeAnalysis;

namespace DhtNet.LibP2p;

/// <summary>How a multiaddr protocol's value is written in text and in binary.</summary>
public enum MultiaddrValueKind
{
    /// <summary>No value (<c>/quic-v1</c>, <c>/ws</c>, <c>/p2p-circuit</c>).</summary>
    None,

    /// <summary>4 bytes, dotted quad.</summary>
    IPv4,

    /// <summary>16 bytes, RFC 5952 text.</summary>
    IPv6,

    /// <summary>2 bytes big-endian, decimal.</summary>
    Port,

    /// <summary>1 byte, decimal (<c>ipcidr</c>).</summary>
    Byte,

    /// <summary>Length-prefixed UTF-8 without '/' (<c>dns4</c>, <c>ip6zone</c>, <c>sni</c>).</summary>
    Text,

    /// <summary>Length-prefixed UTF-8, percent-encoded in text like JavaScript's encodeURIComponent (<c>unix</c>, <c>http-path</c>).</summary>
    PercentEncoded,

    /// <summary>Length-prefixed peer id multihash; base58btc or CID in text (<c>p2p</c>).</summary>
    PeerId,

    /// <summary>Length-prefixed multihash; multibase in text, written base64url (<c>certhash</c>).</summary>
    Multihash,

    /// <summary>Tor v2: 10-byte hash and port; <c>base32:port</c> in text.</summary>
    Onion,

    /// <summary>Tor v3: 35-byte key and port; <c>base32:port</c> in text.</summary>
    Onion3,

    /// <summary>Length-prefixed I2P destination; I2P base64 in text.</summary>
    Garlic64,

    /// <summary>Length-prefixed I2P address hash; base32 in text.</summary>
    Garlic32,
}

/// <summary>
/// One protocol of the multiaddr table: code, name and value format. Every protocol of the table
/// is here; an address using any other code or name is rejected.
/// </summary>
public sealed class MultiaddrProtocol
{
    private static readonly Dictionary<int, MultiaddrProtocol> ByCode = [];
    private static readonly Dictionary<string, MultiaddrProtocol> ByName = new(StringComparer.Ordinal);

    public static readonly MultiaddrProtocol Ip4 = Add(4, "ip4", MultiaddrValueKind.IPv4);
    public static readonly MultiaddrProtocol Tcp = Add(6, "tcp", MultiaddrValueKind.Port);
    public static readonly MultiaddrProtocol Udp = Add(273, "udp", MultiaddrValueKind.Port);
    public static readonly MultiaddrProtocol Dccp = Add(33, "dccp", MultiaddrValueKind.Port);
    public static readonly MultiaddrProtocol Ip6 = Add(41, "ip6", MultiaddrValueKind.IPv6);
    public static readonly MultiaddrProtocol Ip6Zone = Add(42, "ip6zone", MultiaddrValueKind.Text);
    public static readonly MultiaddrProtocol IpCidr = Add(43, "ipcidr", MultiaddrValueKind.Byte);
    public static readonly MultiaddrProtocol Dns = Add(53, "dns", MultiaddrValueKind.Text);
    public static readonly MultiaddrProtocol Dns4 = Add(54, "dns4", MultiaddrValueKind.Text);
    public static readonly MultiaddrProtocol Dns6 = Add(55, "dns6", MultiaddrValueKind.Text);
    public static readonly MultiaddrProtocol DnsAddr = Add(56, "dnsaddr", MultiaddrValueKind.Text);
    public static readonly MultiaddrProtocol Sctp = Add(132, "sctp", MultiaddrValueKind.Port);
    public static readonly MultiaddrProtocol Udt = Add(301, "udt", MultiaddrValueKind.None);
    public static readonly MultiaddrProtocol Utp = Add(302, "utp", MultiaddrValueKind.None);
    public static readonly MultiaddrProtocol Unix = Add(400, "unix", MultiaddrValueKind.PercentEncoded);
    public static readonly MultiaddrProtocol P2p = Add(421, "p2p", MultiaddrValueKind.PeerId);
    public static readonly MultiaddrProtocol Onion = Add(444, "onion", MultiaddrValueKind.Onion);
    public static readonly MultiaddrProtocol Onion3 = Add(445, "onion3", MultiaddrValueKind.Onion3);
    public static readonly MultiaddrProtocol Garlic64 = Add(446, "garlic64", MultiaddrValueKind.Garlic64);
    public static readonly MultiaddrProtocol Garlic32 = Add(447, "garlic32", MultiaddrValueKind.Garlic32);
    public static readonly MultiaddrProtocol Tls = Add(448, "tls", MultiaddrValueKind.None);
    public static readonly MultiaddrProtocol Sni = Add(449, "sni", MultiaddrValueKind.Text);
    public static readonly MultiaddrProtocol Noise = Add(454, "noise", MultiaddrValueKind.None);
    public static readonly MultiaddrProtocol Quic = Add(460, "quic", MultiaddrValueKind.None);
    public static readonly MultiaddrProtocol QuicV1 = Add(461, "quic-v1", MultiaddrValueKind.None);
    public static readonly MultiaddrProtocol WebTransport = Add(465, "webtransport", MultiaddrValueKind.None);
    public static readonly MultiaddrProtocol CertHash = Add(466, "certhash", MultiaddrValueKind.Multihash);
    public static readonly MultiaddrProtocol Http = Add(480, "http", MultiaddrValueKind.None);
    public static readonly MultiaddrProtocol HttpPath = Add(481, "http-path", MultiaddrValueKind.PercentEncoded);
    public static readonly MultiaddrProtocol Https = Add(443, "https", MultiaddrValueKind.None);
    public static readonly MultiaddrProtocol Ws = Add(477, "ws", MultiaddrValueKind.None);
    public static readonly MultiaddrProtocol Wss = Add(478, "wss", MultiaddrValueKind.None);
    public static readonly MultiaddrProtocol P2pWebSocketStar = Add(479, "p2p-websocket-star", MultiaddrValueKind.None);
    public static readonly MultiaddrProtocol P2pStardust = Add(277, "p2p-stardust", MultiaddrValueKind.None);
    public static readonly MultiaddrProtocol P2pWebRtcStar = Add(275, "p2p-webrtc-star", MultiaddrValueKind.None);
    public static readonly MultiaddrProtocol P2pWebRtcDirect = Add(276, "p2p-webrtc-direct", MultiaddrValueKind.None);
    public static readonly MultiaddrProtocol WebRtcDirect = Add(280, "webrtc-direct", MultiaddrValueKind.None);
    public static readonly MultiaddrProtocol WebRtc = Add(281, "webrtc", MultiaddrValueKind.None);
    public static readonly MultiaddrProtocol P2pCircuit = Add(290, "p2p-circuit", MultiaddrValueKind.None);
    public static readonly MultiaddrProtocol Memory = Add(777, "memory", MultiaddrValueKind.Text);

    static MultiaddrProtocol()
    {
        // The table's old name for p2p: read in text, always written as p2p.
        ByName.Add("ipfs", P2p);
    }

    private MultiaddrProtocol(int code, string name, MultiaddrValueKind kind)
    {
        Code = code;
        Name = name;
        Kind = kind;
    }

    /// <summary>The protocol's code in the binary form.</summary>
    public int Code { get; }

    /// <summary>The protocol's name in the text form.</summary>
    public string Name { get; }

    /// <summary>How the value is encoded.</summary>
    public MultiaddrValueKind Kind { get; }

    /// <summary>The fixed value length in bytes, or -1 for length-prefixed values.</summary>
    public int FixedLength => Kind switch
    {
        MultiaddrValueKind.None => 0,
        MultiaddrValueKind.IPv4 => 4,
        MultiaddrValueKind.IPv6 => 16,
        MultiaddrValueKind.Port => 2,
        MultiaddrValueKind.Byte => 1,
        MultiaddrValueKind.Onion => 12,
        MultiaddrValueKind.Onion3 => 37,
        _ => -1,
    };

    /// <summary>The protocol with binary code <paramref name="code"/>.</summary>
    public static bool TryGet(int code, [NotNullWhen(true)] out MultiaddrProtocol? protocol) => ByCode.TryGetValue(code, out protocol);

    /// <summary>The protocol named <paramref name="name"/> (also the old name <c>ipfs</c>).</summary>
    public static bool TryGet(string name, [NotNullWhen(true)] out MultiaddrProtocol? protocol) => ByName.TryGetValue(name, out protocol);

    /// <summary>The protocol name.</summary>
    public override string ToString() => Name;

    private static MultiaddrProtocol Add(int code, string name, MultiaddrValueKind kind)
    {
        var protocol = new MultiaddrProtocol(code, name, kind);
        ByCode.Add(code, protocol);
        ByName.Add(name, protocol);
        return protocol;
    }
}
