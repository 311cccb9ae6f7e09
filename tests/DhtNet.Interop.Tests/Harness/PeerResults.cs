using System.Net;

namespace DhtNet.Interop.Tests.Harness;

/// <summary>The outcome of a BEP 44 put: the target, how many nodes stored it, and for mutable items the signed fields.</summary>
public sealed record PeerPutResult(NodeId Target, int Nodes, string? Error, byte[]? PublicKey, long? Sequence, byte[]? Signature);

/// <summary>
/// An item a BEP 44 get returned: <see cref="EncodedValue"/> is the bencoded <c>v</c>; <see cref="Value"/>
/// its bytes when <c>v</c> is a byte string.
/// </summary>
public sealed record StoredItem(byte[] EncodedValue, byte[]? Value, long? Sequence, byte[]? PublicKey, byte[]? Signature);

/// <summary>A BEP 51 sample_infohashes answer.</summary>
public sealed record PeerSampleResult(int Interval, int Num, IReadOnlyList<NodeId> Samples, IReadOnlyList<NodeInfo> Nodes);

/// <summary>libtorrent's routing table summary: per bucket, live nodes and replacements.</summary>
public sealed record RoutingTableStats(IReadOnlyList<(int Nodes, int Replacements)> Buckets, int Nodes, int ActiveRequests);

/// <summary>An announce libtorrent made: the port it announced and how many nodes it sent announce_peer to.</summary>
public sealed record AnnounceResult(int Port, int Nodes);

/// <summary>The raw answer to a KRPC query: the whole bencoded message, or a time-out.</summary>
public sealed record KrpcReply(bool TimedOut, string? Type, byte[]? Message, string? Error)
{
    /// <summary>The transaction id the query carried (when the sender reports it).</summary>
    public byte[]? TransactionId { get; init; }

    /// <summary>The decoded message; throws when there was none.</summary>
    public BencodeDictionary Decode() =>
        Message is null
            ? throw new InvalidOperationException($"No reply: {Error}")
            : (BencodeDictionary)BencodeValue.Parse(Message);
}
