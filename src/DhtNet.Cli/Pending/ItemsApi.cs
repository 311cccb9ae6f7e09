using System.Net;
using DhtNet.Lookup;
using DhtNet.Security;

// Stand-ins with the exact signatures of the BEP 44 / 33 / 51 client API that is being added to
// DhtNode on another branch, so the commands build before it lands. Delete this file at the merge.
namespace DhtNet;

internal sealed record PutResult(NodeId Target, int Stored, long? Sequence, LookupStatistics Statistics);

internal sealed record DhtItemResult(
    NodeId Target,
    ReadOnlyMemory<byte> Value,
    long? Sequence,
    ReadOnlyMemory<byte> PublicKey,
    ReadOnlyMemory<byte> Signature,
    ReadOnlyMemory<byte> Salt,
    LookupStatistics Statistics);

internal sealed record ScrapeResult(NodeId InfoHash, int Seeds, int Peers, LookupStatistics Statistics);

internal sealed record SampleResult(int Interval, int Num, IReadOnlyList<NodeId> Samples, IReadOnlyList<NodeInfo> Nodes);

internal sealed class DhtPutException(int code, string message) : Exception(message)
{
    public int Code { get; } = code;
}

internal static class PendingItemsApi
{
    private static NotSupportedException Missing() => new("this build of DhtNet has no BEP 44/33/51 client API yet");

    public static Task<PutResult> PutAsync(this DhtNode node, ReadOnlyMemory<byte> bencodedValue, CancellationToken cancellationToken = default) =>
        throw Missing();

    public static Task<PutResult> PutAsync(
        this DhtNode node,
        Ed25519KeyPair keyPair,
        ReadOnlyMemory<byte> bencodedValue,
        ReadOnlyMemory<byte> salt = default,
        long? sequence = null,
        long? cas = null,
        CancellationToken cancellationToken = default) =>
        throw Missing();

    public static Task<DhtItemResult?> GetAsync(this DhtNode node, NodeId target, ReadOnlyMemory<byte> salt = default, CancellationToken cancellationToken = default) =>
        throw Missing();

    public static Task<ScrapeResult> ScrapeAsync(this DhtNode node, NodeId infoHash, CancellationToken cancellationToken = default) =>
        throw Missing();

    public static Task<SampleResult?> SampleInfohashesAsync(this DhtNode node, IPEndPoint endPoint, NodeId target, CancellationToken cancellationToken = default) =>
        throw Missing();
}
