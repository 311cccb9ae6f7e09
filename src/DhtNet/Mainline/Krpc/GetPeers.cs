using System.Net;
using System.Net.Sockets;
using DhtNet.Mainline.Bencode;

namespace DhtNet.Mainline.Krpc;

/// <summary>BEP 5 <c>get_peers</c>: asks for peers of a torrent, with BEP 32 <c>want</c> and BEP 33 scrape flags.</summary>
internal sealed class GetPeersQuery(NodeId senderId, NodeId infoHash) : KrpcQuery(senderId)
{
    public NodeId InfoHash { get; } = infoHash;

    /// <summary>BEP 32 <c>want</c>: the node families asked for.</summary>
    public KrpcWant Want { get; init; }

    /// <summary>BEP 33 <c>scrape</c> = 1: asks for the BFsd / BFpe bloom filters.</summary>
    public bool Scrape { get; init; }

    /// <summary>BEP 33 <c>noseed</c> = 1: asks for non-seed peers first.</summary>
    public bool NoSeed { get; init; }

    public override KrpcMethod Method => KrpcMethod.GetPeers;

    internal override ReadOnlySpan<byte> MethodName => "get_peers"u8;

    internal static GetPeersQuery? Decode(in KrpcFields a, out string? error) =>
        TryReadArguments(a, out var id, out var infoHash, out var want, out bool scrape, out bool noSeed, out error)
            ? new GetPeersQuery(id, infoHash) { Want = want, Scrape = scrape, NoSeed = noSeed }
            : null;

    /// <summary>The arguments of a get_peers, as this type and the serving fast path read them.</summary>
    internal static bool TryReadArguments(in KrpcFields a, out NodeId id, out NodeId infoHash, out KrpcWant want, out bool scrape, out bool noSeed, out string? error)
    {
        infoHash = default;
        want = KrpcWant.None;
        scrape = false;
        noSeed = false;
        return a.TryGetId(KrpcField.Id, out id, out error)
            && a.TryGetId(KrpcField.InfoHash, out infoHash, out error)
            && a.TryGetWant(out want, out error)
            && a.TryGetFlag(KrpcField.Scrape, out scrape, out error)
            && a.TryGetFlag(KrpcField.NoSeed, out noSeed, out error);
    }

    internal override void WriteArguments(ref BencodeWriter writer, in EncodeBudget budget)
    {
        KrpcWire.WriteId(ref writer, "id"u8, SenderId);
        KrpcWire.WriteId(ref writer, "info_hash"u8, InfoHash);
        KrpcWire.WriteFlag(ref writer, "noseed"u8, NoSeed);
        KrpcWire.WriteFlag(ref writer, "scrape"u8, Scrape);
        KrpcWire.WriteWant(ref writer, Want);
    }
}

/// <summary>
/// Answer to <see cref="GetPeersQuery"/>: a write token and peers (<see cref="Values"/>) or the
/// closest nodes. When encoding, as many values are written as fit in the datagram; the rest are
/// dropped, so a store may pass all it holds.
/// </summary>
internal sealed class GetPeersResponse(NodeId senderId, ReadOnlyMemory<byte> token) : KrpcResponse(senderId)
{
    /// <summary>Size of each BEP 33 bloom filter.</summary>
    public const int BloomFilterSize = 256;

    /// <summary>The write token for a later announce_peer (BEP 33: may be empty when announces are refused).</summary>
    public ReadOnlyMemory<byte> Token { get; } = token;

    /// <summary>Peers in compact form (6 or 18 bytes each on the wire).</summary>
    public IPEndPoint[] Values { get; init; } = [];

    /// <summary>
    /// Peers already in compact form, all of one family (<see cref="CompactValueSize"/> bytes each),
    /// for a reply built from a store: written as they are, with no endpoint made per peer. Used
    /// when <see cref="Values"/> is empty.
    /// </summary>
    internal ReadOnlyMemory<byte> CompactValues { get; init; }

    /// <summary>Bytes per entry of <see cref="CompactValues"/>: 6 (IPv4) or 18 (IPv6).</summary>
    internal int CompactValueSize { get; init; } = CompactEncoding.PeerSizeV4;

    public NodeInfo[] Nodes { get; init; } = [];

    public NodeInfo[] Nodes6 { get; init; } = [];

    /// <summary>BEP 33 <c>BFsd</c>: 256-byte bloom filter of seeds (empty when absent).</summary>
    public ReadOnlyMemory<byte> BloomSeeds { get; init; }

    /// <summary>BEP 33 <c>BFpe</c>: 256-byte bloom filter of peers (empty when absent).</summary>
    public ReadOnlyMemory<byte> BloomPeers { get; init; }

    public override KrpcMethod Method => KrpcMethod.GetPeers;

    internal ReadOnlyMemory<byte> RawNodes { get; init; }

    internal ReadOnlyMemory<byte> RawNodes6 { get; init; }

    internal static GetPeersResponse? Decode(in KrpcFields r, out string? error)
    {
        if (!r.TryGetId(KrpcField.Id, out var id, out error)
            || !r.TryGetBytes(KrpcField.Token, required: false, out var token, out error)
            || !r.TryGetValues(out var values, out error)
            || !r.TryGetNodes(KrpcField.Nodes, out var nodes, out var raw, out error)
            || !r.TryGetNodes(KrpcField.Nodes6, out var nodes6, out var raw6, out error)
            || !r.TryGetBytes(KrpcField.BloomSeeds, required: false, out var seeds, out error)
            || !r.TryGetBytes(KrpcField.BloomPeers, required: false, out var peers, out error))
        {
            return null;
        }

        return new GetPeersResponse(id, KrpcCodec.UsableToken(token))
        {
            Values = values,
            Nodes = nodes,
            Nodes6 = nodes6,
            RawNodes = raw,
            RawNodes6 = raw6,
            BloomSeeds = seeds.Length == BloomFilterSize ? seeds : default,
            BloomPeers = peers.Length == BloomFilterSize ? peers : default,
        };
    }

    internal override void WriteValues(ref BencodeWriter writer, in EncodeBudget budget) =>
        GetPeersValues.Write(ref writer, budget, new GetPeersValues
        {
            SenderId = SenderId,
            Token = Token.Span,
            Values = Values,
            CompactValues = CompactValues.Span,
            CompactValueSize = CompactValueSize,
            Nodes = Nodes,
            Nodes6 = Nodes6,
            RawNodes = RawNodes,
            RawNodes6 = RawNodes6,
            BloomSeeds = BloomSeeds.Span,
            BloomPeers = BloomPeers.Span,
        });
}

/// <summary>
/// The contents of a get_peers answer as spans, and how they are written: shared by
/// <see cref="GetPeersResponse"/> and the serving fast path, which has no object to write from.
/// </summary>
internal readonly ref struct GetPeersValues
{
    public NodeId SenderId { get; init; }

    public ReadOnlySpan<byte> Token { get; init; }

    /// <summary>Peers as endpoints; when empty, <see cref="CompactValues"/> is used.</summary>
    public ReadOnlySpan<IPEndPoint> Values { get; init; }

    /// <summary>Peers already in compact form, <see cref="CompactValueSize"/> bytes each.</summary>
    public ReadOnlySpan<byte> CompactValues { get; init; }

    public int CompactValueSize { get; init; }

    public ReadOnlySpan<NodeInfo> Nodes { get; init; }

    public ReadOnlySpan<NodeInfo> Nodes6 { get; init; }

    public ReadOnlyMemory<byte> RawNodes { get; init; }

    public ReadOnlyMemory<byte> RawNodes6 { get; init; }

    public ReadOnlySpan<byte> BloomSeeds { get; init; }

    public ReadOnlySpan<byte> BloomPeers { get; init; }

    private int PeerCount => Values.Length > 0 ? Values.Length : CompactValues.IsEmpty ? 0 : CompactValues.Length / CompactValueSize;

    private int PeerSize(int index) => Values.Length > 0 ? KrpcWire.PeerSize(Values[index]) : CompactValueSize;

    /// <summary>Writes the keys of <c>r</c> in ascending order; values are cut to what fits <paramref name="budget"/>.</summary>
    public static void Write(ref BencodeWriter writer, in EncodeBudget budget, scoped GetPeersValues values)
    {
        if (!values.BloomPeers.IsEmpty)
        {
            writer.WriteKey("BFpe"u8);
            writer.WriteByteString(values.BloomPeers);
        }

        if (!values.BloomSeeds.IsEmpty)
        {
            writer.WriteKey("BFsd"u8);
            writer.WriteByteString(values.BloomSeeds);
        }

        KrpcWire.WriteId(ref writer, "id"u8, values.SenderId);

        // Bloom filters plus both node lists can exceed a datagram (a dual-stack scrape): nodes give
        // way to the token and to the first peers, which are what the asker came for.
        int available = budget.Available(writer, values.SizeAfterNodes());
        int count = KrpcWire.FitNodes("nodes"u8, values.Nodes.Length, values.RawNodes, AddressFamily.InterNetwork, available);
        available -= KrpcWire.NodesSize("nodes"u8, count, values.RawNodes, AddressFamily.InterNetwork);
        int count6 = KrpcWire.FitNodes("nodes6"u8, values.Nodes6.Length, values.RawNodes6, AddressFamily.InterNetworkV6, available);
        KrpcWire.WriteNodes(ref writer, "nodes"u8, values.Nodes, count, values.RawNodes, AddressFamily.InterNetwork);
        KrpcWire.WriteNodes(ref writer, "nodes6"u8, values.Nodes6, count6, values.RawNodes6, AddressFamily.InterNetworkV6);
        if (!values.Token.IsEmpty)
        {
            writer.WriteKey("token"u8);
            writer.WriteByteString(values.Token);
        }

        WritePeers(ref writer, budget, values);
    }

    // Room kept after the nodes: the token, the first few peers and r's closing 'e'.
    private int SizeAfterNodes()
    {
        const int ReservedPeers = 8;
        int size = 1;
        if (!Token.IsEmpty)
        {
            size += 7 + BencodeWriter.ByteStringSize(Token.Length); // "5:token" + value
        }

        if (PeerCount > 0)
        {
            size += 8 + 2; // "6:values" 'l' ... 'e'
            for (int i = 0; i < Math.Min(ReservedPeers, PeerCount); i++)
            {
                size += BencodeWriter.ByteStringSize(PeerSize(i));
            }
        }

        return size;
    }

    // Static with the values scoped: the writer outlives the spans the answer is made of, which it only copies from.
    private static void WritePeers(ref BencodeWriter writer, in EncodeBudget budget, scoped GetPeersValues values)
    {
        int peers = values.PeerCount;
        if (peers == 0)
        {
            return;
        }

        // 'values' is the last key of r: what remains after it is r's closing 'e'.
        const int keyAndList = 8 + 2; // "6:values" 'l' ... 'e'
        int available = budget.Available(writer, needAfter: 1) - keyAndList;
        int count = 0;
        for (; count < peers; count++)
        {
            int size = BencodeWriter.ByteStringSize(values.PeerSize(count));
            if (size > available)
            {
                break;
            }

            available -= size;
        }

        if (count == 0)
        {
            return;
        }

        Span<byte> peer = stackalloc byte[CompactEncoding.PeerSizeV6];
        writer.WriteKey("values"u8);
        writer.WriteStartList();
        for (int i = 0; i < count; i++)
        {
            writer.WriteByteString(values.Values.Length > 0
                ? peer[..CompactEncoding.WritePeer(values.Values[i], peer)]
                : values.CompactValues.Slice(i * values.CompactValueSize, values.CompactValueSize));
        }

        writer.WriteEnd();
    }
}
