namespace DhtNet.Mainline.Krpc;

/// <summary>
/// A ping, find_node or get_peers query read in place from the receive buffer by
/// <see cref="KrpcCodec.TryReadServedQuery"/>: the values a server needs to answer it, with no
/// message object and no copy of the datagram. Valid only while that buffer is.
/// </summary>
internal readonly ref struct KrpcQueryView
{
    public KrpcQueryView(KrpcMethod method, ReadOnlySpan<byte> transactionId, NodeId senderId, NodeId target, KrpcWant want, bool noSeed, bool readOnly)
    {
        Method = method;
        TransactionId = transactionId;
        SenderId = senderId;
        Target = target;
        Want = want;
        NoSeed = noSeed;
        ReadOnly = readOnly;
    }

    /// <summary><see cref="KrpcMethod.Ping"/>, <see cref="KrpcMethod.FindNode"/> or <see cref="KrpcMethod.GetPeers"/>.</summary>
    public KrpcMethod Method { get; }

    /// <summary><c>t</c>, to echo.</summary>
    public ReadOnlySpan<byte> TransactionId { get; }

    /// <summary>The querier's id (<c>a.id</c>).</summary>
    public NodeId SenderId { get; }

    /// <summary>find_node's <c>target</c> or get_peers' <c>info_hash</c>; zero for ping.</summary>
    public NodeId Target { get; }

    /// <summary>BEP 32 <c>want</c>.</summary>
    public KrpcWant Want { get; }

    /// <summary>BEP 33 <c>noseed</c> of a get_peers.</summary>
    public bool NoSeed { get; }

    /// <summary>BEP 43 <c>ro</c>: the querier must not be added to routing tables.</summary>
    public bool ReadOnly { get; }
}
