using DhtNet.Kademlia;
using DhtNet.Mainline.Krpc;

namespace DhtNet.Mainline.Bep44;

/// <summary>
/// What a BEP 44 put achieved: how many of the closest nodes stored the item, and why the others
/// did not (<see cref="Errors"/>, <see cref="TimedOut"/>).
/// </summary>
/// <param name="Target">Where the item lives: SHA-1 of the value (immutable) or of key + salt (mutable).</param>
/// <param name="Stored">Nodes that accepted the put (our own store is not counted; see <see cref="StoredLocally"/>).</param>
/// <param name="Sequence">The <c>seq</c> that was put; null for an immutable item.</param>
/// <param name="Statistics">The get lookup that found the closest nodes and their write tokens.</param>
public sealed record PutResult(NodeId Target, int Stored, long? Sequence, LookupStatistics Statistics)
{
    /// <summary>Nodes the put was sent to.</summary>
    public int Asked { get; init; }

    /// <summary>Nodes that did not answer the put.</summary>
    public int TimedOut { get; init; }

    /// <summary>Nodes that refused, by KRPC error code (for example 302: a newer seq is stored; 301: cas mismatch).</summary>
    public IReadOnlyDictionary<int, int> Errors { get; init; } = new Dictionary<int, int>();

    /// <summary>The first refusal received, or null.</summary>
    public KrpcError? FirstError { get; init; }

    /// <summary>True when our own node stores the item too (it then answers gets for it).</summary>
    public bool StoredLocally { get; init; }

    /// <summary>The signed item that was put (mutable puts), for re-putting it unchanged with <see cref="DhtNode.PutSignedAsync"/>.</summary>
    public MutableItem? Item { get; init; }
}
