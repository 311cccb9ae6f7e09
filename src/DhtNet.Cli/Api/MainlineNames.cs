using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using SimpleBase;

namespace DhtNet.Cli.Api;

/// <summary>
/// How Mainline ids, infohashes and addresses are written in IPFS-shaped requests and answers.
/// Node ids travel as peer ids because both JavaScript clients parse every event's ID with
/// peerIdFromString: a CIDv1 (libp2p-key, base32, "bafz…") around a 20-byte sha2-256-coded
/// multihash whose digest is the node id itself, so the id comes back out unchanged.
/// </summary>
internal static class MainlineNames
{
    // CIDv1, libp2p-key (0x72), sha2-256 (0x12), 20 bytes.
    private static ReadOnlySpan<byte> PeerIdPrefix => [0x01, 0x72, 0x12, 0x14];

    // CIDv1 of a SHA-1 (0x11) multihash of 20 bytes, any codec (one or two varint bytes).
    private const byte Sha1Code = 0x11;

    /// <summary>The peer id text of a Mainline node id.</summary>
    public static string PeerId(NodeId id)
    {
        Span<byte> bytes = stackalloc byte[PeerIdPrefix.Length + NodeId.Size];
        PeerIdPrefix.CopyTo(bytes);
        id.WriteTo(bytes[PeerIdPrefix.Length..]);
        return "b" + Base32.Rfc4648.Encode(bytes, padding: false).ToLowerInvariant();
    }

    /// <summary>
    /// A stable peer id for a BitTorrent peer, which has no id of its own: the same wrapping around
    /// the SHA-1 of its compact address (BEP 5's 6 or 18 bytes).
    /// </summary>
    public static string PeerId(IPEndPoint peer)
    {
        var address = Unmapped(peer.Address);
        Span<byte> compact = stackalloc byte[18];
        int length = address.AddressFamily == AddressFamily.InterNetwork ? 4 : 16;
        address.TryWriteBytes(compact, out _);
        BinaryPrimitives.WriteUInt16BigEndian(compact[length..], (ushort)peer.Port);
        return PeerId(NodeId.Sha1(compact[..(length + 2)]));
    }

    /// <summary>
    /// 40 hex digits, or a peer id made by <see cref="PeerId(NodeId)"/> in either text form: the
    /// CID ("bafz…") or its bare multihash in base58btc (what a PeerId object prints).
    /// </summary>
    public static bool TryParseNode(string text, out NodeId id)
    {
        if (NodeId.TryParse(text, out id))
        {
            return true;
        }

        var multihash = PeerIdPrefix[2..];
        if (TryDecodeCid(text, out var bytes))
        {
            return bytes.Length == PeerIdPrefix.Length + NodeId.Size && bytes.AsSpan().StartsWith(PeerIdPrefix)
                && Set(bytes.AsSpan(PeerIdPrefix.Length), out id);
        }

        return TryDecodeBase58(text, out bytes) && bytes.Length == multihash.Length + NodeId.Size
            && bytes.AsSpan().StartsWith(multihash) && Set(bytes.AsSpan(multihash.Length), out id);
    }

    /// <summary>
    /// A peer id in the bare-multihash base58btc form, from its CIDv1 form (libp2p-key, base32):
    /// the only form the delegated-routing client reads in records. Other text is returned as it is.
    /// </summary>
    public static string Base58PeerId(string peerId) =>
        TryDecodeCid(peerId, out var bytes) && bytes.Length > 2 && bytes[0] == PeerIdPrefix[0] && bytes[1] == PeerIdPrefix[1]
            ? Base58.Bitcoin.Encode(bytes.AsSpan(2))
            : peerId;

    /// <summary>40 hex digits, or a base32 CIDv1 whose multihash is a 20-byte SHA-1 (an infohash).</summary>
    public static bool TryParseInfohash(string text, out NodeId id)
    {
        if (NodeId.TryParse(text, out id))
        {
            return true;
        }

        // version 1, a codec of one or two varint bytes, then 0x11 0x14 and the digest.
        if (!TryDecodeCid(text, out var bytes) || bytes.Length < 24 || bytes[0] != 0x01)
        {
            return false;
        }

        int codecLength = (bytes[1] & 0x80) == 0 ? 1 : 2;
        var multihash = bytes.AsSpan(1 + codecLength);
        return multihash.Length == 2 + NodeId.Size && multihash[0] == Sha1Code && multihash[1] == NodeId.Size
            && Set(multihash[2..], out id);
    }

    /// <summary>A BitTorrent peer's address as a multiaddr: BEP 5 peers take TCP (and uTP) connections there.</summary>
    public static string PeerAddress(IPEndPoint endPoint) => Multiaddr(endPoint, "tcp");

    /// <summary>A DHT node's address as a multiaddr: it answers KRPC over UDP.</summary>
    public static string NodeAddress(IPEndPoint endPoint) => Multiaddr(endPoint, "udp");

    private static string Multiaddr(IPEndPoint endPoint, string transport)
    {
        var address = Unmapped(endPoint.Address);
        string family = address.AddressFamily == AddressFamily.InterNetwork ? "ip4" : "ip6";
        return $"/{family}/{address}/{transport}/{endPoint.Port}";
    }

    private static IPAddress Unmapped(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    private static bool Set(ReadOnlySpan<byte> bytes, out NodeId id)
    {
        id = new NodeId(bytes);
        return true;
    }

    private static bool TryDecodeBase58(string text, out byte[] bytes)
    {
        bytes = [];
        if (text.Length is < 2 or > 128)
        {
            return false;
        }

        try
        {
            bytes = Base58.Bitcoin.Decode(text);
            return true;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    // Only base32 lower ("b…"): the form both the JavaScript clients and kubo print CIDv1 in.
    private static bool TryDecodeCid(string text, out byte[] bytes)
    {
        bytes = [];
        if (text.Length is < 2 or > 128 || text[0] != 'b')
        {
            return false;
        }

        foreach (char c in text.AsSpan(1))
        {
            if (c is not ((>= 'a' and <= 'z') or (>= '2' and <= '7')))
            {
                return false;
            }
        }

        try
        {
            bytes = Base32.Rfc4648.Decode(text.AsSpan(1));
            return true;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
