namespace DhtNet.Cli.Api;

/// <summary>A key a network resolved from request text: its binary form and how to print it.</summary>
internal readonly record struct RoutingKey(ReadOnlyMemory<byte> Bytes, string Text);

/// <summary>What an argument names: content (infohash, CID), a peer, or a record.</summary>
internal enum KeyKind
{
    Content,
    Peer,
    Record,
}

/// <summary>How well a network reads an argument: a node running several picks the best reader.</summary>
internal enum KeyMatch
{
    None,

    /// <summary>Readable, but more likely another network's (a SHA-1 CID on IPFS, any text as a Mainline item name).</summary>
    Fallback,

    Exact,
}

/// <summary>
/// One DHT behind the HTTP endpoints. The RPC (/api/v0) and delegated routing (/routing/v1)
/// endpoints speak only to this interface, so the IPFS DHT plugs in beside the Mainline one.
/// Operations stream query events as they happen; they throw <see cref="ApiArgumentException"/>
/// for keys the network cannot use and <see cref="ApiOperationException"/> when they fail.
/// </summary>
internal interface IRoutingNetwork
{
    /// <summary>"mainline" or "ipfs": what /api/v0/id and the dashboard call it.</summary>
    string Name { get; }

    /// <summary>Our own peer: its id text and addresses.</summary>
    ApiPeer Self { get; }

    /// <summary>Whether IPNS names (/routing/v1/ipns) resolve on this network.</summary>
    bool SupportsIpns { get; }

    /// <summary>Whether <paramref name="text"/> is a key of <paramref name="kind"/> on this network.</summary>
    KeyMatch Match(KeyKind kind, string text);

    /// <summary>A content key (infohash, CID) from request text.</summary>
    RoutingKey ResolveKey(string argument, string text);

    /// <summary>A peer key (node id, peer id) from request text.</summary>
    RoutingKey ResolvePeer(string argument, string text);

    /// <summary>The closest peers to a key, closest first, as final-peer events.</summary>
    IAsyncEnumerable<QueryEvent> QueryAsync(RoutingKey key, CancellationToken cancellationToken);

    /// <summary>Provider events as peers are found, at most <paramref name="count"/>.</summary>
    IAsyncEnumerable<QueryEvent> FindProvidersAsync(RoutingKey key, int count, CancellationToken cancellationToken);

    /// <summary>One final-peer event naming the peer and its addresses; throws not-found when nobody knows it.</summary>
    IAsyncEnumerable<QueryEvent> FindPeerAsync(RoutingKey peer, CancellationToken cancellationToken);

    /// <summary>A value event carrying the record stored under <paramref name="key"/>.</summary>
    IAsyncEnumerable<QueryEvent> GetAsync(string argument, string key, CancellationToken cancellationToken);

    /// <summary>Stores <paramref name="value"/> under <paramref name="key"/>; events name what stored it.</summary>
    IAsyncEnumerable<QueryEvent> PutAsync(string argument, string key, ReadOnlyMemory<byte> value, CancellationToken cancellationToken);

    /// <summary>Announces us as a provider of <paramref name="key"/>.</summary>
    IAsyncEnumerable<QueryEvent> ProvideAsync(RoutingKey key, CancellationToken cancellationToken);

    /// <summary>Up to <paramref name="max"/> peers of the routing table (swarm/peers).</summary>
    IReadOnlyList<ApiPeer> Peers(int max);
}
