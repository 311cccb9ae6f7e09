using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace DhtNet.Cli.Api;

/// <summary>
/// How Mainline ids, infohashes and addresses are written in IPFS-shaped requests and answers.
/// Node ids travel as peer ids because both JavaScript clients parse every event's ID with
/// peerIdFromString: a CIDv1 (libp2p-key, base32, "bafz…") around a 20-byte sha2-256-coded
/// multihash whose digest is the node id itself, so the id comes back out unchanged.
/// </summary>
internal static class MainlineNames
{
    // Longer text is no id of ours; it is refused before any decoding.
    private const int MaxText = 128;

    /// <summary>The peer id text of a Mainline node id.</summary>
    public static string PeerId(NodeId id) => NodeCid(id).ToString(MultibaseEncoding.Base32Lower);

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
    /// CID ("bafz…", any multibase) or its bare multihash in base58btc (what a PeerId object prints).
    /// </summary>
    public static bool TryParseNode(string text, out NodeId id)
    {
        if (NodeId.TryParse(text, out id))
        {
            return true;
        }

        if (text.Length is < 2 or > MaxText)
        {
            return false;
        }

        Multihash? multihash = null;
        if (Cid.TryParse(text, out var cid))
        {
            multihash = cid.Version == 1 && cid.Codec == Multicodec.Libp2pKey ? cid.Multihash : null;
        }
        else
        {
            try
            {
                multihash = Multihash.FromBytes(Multibase.DecodeRaw(text, MultibaseEncoding.Base58Btc));
            }
            catch (LibP2pFormatException)
            {
            }
        }

        return multihash is { Code: Multicodec.Sha2_256 } && TryNodeId(multihash, out id);
    }

    /// <summary>
    /// A peer id in the bare-multihash base58btc form, from its CIDv1 form (libp2p-key): the only
    /// form the delegated-routing client reads in records. Other text is returned as it is.
    /// </summary>
    public static string Base58PeerId(string peerId) =>
        peerId.Length <= MaxText && Cid.TryParse(peerId, out var cid) && cid.Version == 1 && cid.Codec == Multicodec.Libp2pKey
            ? Multibase.EncodeRaw(cid.Multihash.Bytes.Span, MultibaseEncoding.Base58Btc)
            : peerId;

    /// <summary>40 hex digits, or a CIDv1 (any codec) whose multihash is a 20-byte SHA-1 (an infohash).</summary>
    public static bool TryParseInfohash(string text, out NodeId id)
    {
        if (NodeId.TryParse(text, out id))
        {
            return true;
        }

        return text.Length <= MaxText && Cid.TryParse(text, out var cid) && cid.Version == 1
            && cid.Multihash.Code == Multicodec.Sha1 && TryNodeId(cid.Multihash, out id);
    }

    /// <summary>A BitTorrent peer's address as a multiaddr: BEP 5 peers take TCP (and uTP) connections there.</summary>
    public static string PeerAddress(IPEndPoint endPoint) => Multiaddr(endPoint, "tcp");

    /// <summary>A DHT node's address as a multiaddr: it answers KRPC over UDP.</summary>
    public static string NodeAddress(IPEndPoint endPoint) => Multiaddr(endPoint, "udp");

    // Node ids travel as a CIDv1 libp2p-key around a sha2-256-coded multihash of 20 bytes: the id
    // itself, not a hash of it (a libp2p PeerId is 32 bytes, so this is a CID and never a PeerId).
    private static Cid NodeCid(NodeId id)
    {
        Span<byte> digest = stackalloc byte[NodeId.Size];
        id.WriteTo(digest);
        return Cid.CreateV1(Multicodec.Libp2pKey, Multihash.Create(Multicodec.Sha2_256, digest));
    }

    private static bool TryNodeId(Multihash multihash, out NodeId id)
    {
        id = default;
        if (multihash.Digest.Length != NodeId.Size)
        {
            return false;
        }

        id = new NodeId(multihash.Digest.Span);
        return true;
    }

    private static string Multiaddr(IPEndPoint endPoint, string transport)
    {
        var address = Unmapped(endPoint.Address);
        string family = address.AddressFamily == AddressFamily.InterNetwork ? "ip4" : "ip6";
        return $"/{family}/{address}/{transport}/{endPoint.Port}";
    }

    private static IPAddress Unmapped(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
}
