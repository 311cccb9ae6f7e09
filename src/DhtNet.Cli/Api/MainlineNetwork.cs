using System.Net;
using System.Runtime.CompilerServices;

namespace DhtNet.Cli.Api;

/// <summary>
/// The BitTorrent Mainline DHT behind the HTTP endpoints. Keys are infohashes (40 hex digits or a
/// CID of a 20-byte SHA-1), peers are node ids, providers are BEP 5 peers (found with get_peers,
/// announced with announce_peer), and records are BEP 44 items whose values are byte strings.
/// </summary>
internal sealed class MainlineNetwork(DhtNode node, NodeActivity? activity = null) : IRoutingNetwork
{
    public string Name => "mainline";

    public DhtNode Node => node;

    public ApiPeer Self => new(MainlineNames.PeerId(node.Id), [.. node.LocalEndPoints.Select(MainlineNames.NodeAddress)]);

    public bool SupportsIpns => false;

    public KeyMatch Match(KeyKind kind, string text) => kind switch
    {
        KeyKind.Content => MainlineNames.TryParseInfohash(text, out _) ? KeyMatch.Exact : KeyMatch.None,
        KeyKind.Peer => MainlineNames.TryParseNode(text, out _) ? KeyMatch.Exact : KeyMatch.None,

        // Any short text names one of this node's mutable items, so only an infohash-shaped target is surely ours.
        _ => MainlineNames.TryParseInfohash(text, out _) ? KeyMatch.Exact
            : text.Length > 0 && System.Text.Encoding.UTF8.GetByteCount(text) <= ItemRules.MaxSaltSize ? KeyMatch.Fallback : KeyMatch.None,
    };

    public RoutingKey ResolveKey(string argument, string text) =>
        MainlineNames.TryParseInfohash(text, out var id)
            ? Key(id)
            : throw new ApiArgumentException(argument, "expected an infohash (40 hex digits) or a CIDv1 whose multihash is a 20-byte SHA-1");

    public RoutingKey ResolvePeer(string argument, string text) =>
        MainlineNames.TryParseNode(text, out var id)
            ? Key(id)
            : throw new ApiArgumentException(argument, "expected a Mainline node id (40 hex digits, or the peer id this API gives for one)");

    public IAsyncEnumerable<QueryEvent> QueryAsync(RoutingKey key, CancellationToken cancellationToken) =>
        WithHopsAsync(Id(key), ct => QueryCoreAsync(key, ct), cancellationToken);

    private async IAsyncEnumerable<QueryEvent> QueryCoreAsync(RoutingKey key, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var result = await node.QueryAsync(Id(key), cancellationToken).ConfigureAwait(false);
        foreach (var found in result.Nodes)
        {
            string id = MainlineNames.PeerId(found.Id);
            yield return new QueryEvent(QueryEventType.FinalPeer, id, [new ApiPeer(id, [MainlineNames.NodeAddress(found.EndPoint)])]);
        }
    }

    public IAsyncEnumerable<QueryEvent> FindProvidersAsync(RoutingKey key, int count, CancellationToken cancellationToken) =>
        WithHopsAsync(Id(key), ct => FindProvidersCoreAsync(key, count, ct), cancellationToken);

    private async IAsyncEnumerable<QueryEvent> FindProvidersCoreAsync(RoutingKey key, int count, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var peer in node.FindProvidersAsync(Id(key), count, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            yield return new QueryEvent(QueryEventType.Provider, Responses: [Provider(peer)]);
        }
    }

    public IAsyncEnumerable<QueryEvent> FindPeerAsync(RoutingKey peer, CancellationToken cancellationToken) =>
        WithHopsAsync(Id(peer), ct => FindPeerCoreAsync(peer, ct), cancellationToken);

    private async IAsyncEnumerable<QueryEvent> FindPeerCoreAsync(RoutingKey peer, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var id = Id(peer);
        var endPoint = await node.FindPeerAsync(id, cancellationToken).ConfigureAwait(false)
            ?? throw new ApiOperationException(ApiOperationException.NotFound);
        yield return new QueryEvent(QueryEventType.FinalPeer, Responses: [new ApiPeer(MainlineNames.PeerId(id), [MainlineNames.NodeAddress(endPoint)])]);
    }

    public IAsyncEnumerable<QueryEvent> GetAsync(string argument, string key, CancellationToken cancellationToken) =>
        WithHopsAsync(ItemTarget(argument, key), ct => GetCoreAsync(argument, key, ct), cancellationToken);

    private async IAsyncEnumerable<QueryEvent> GetCoreAsync(string argument, string key, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // An infohash-shaped key is a BEP 44 target (immutable, or mutable without salt); any other
        // text names one of this node's own mutable items (salt = the UTF-8 key).
        var item = MainlineNames.TryParseInfohash(key, out var target)
            ? await node.GetAsync(target, cancellationToken: cancellationToken).ConfigureAwait(false)
            : await node.GetAsync(Salt(argument, key), cancellationToken).ConfigureAwait(false);
        if (item is null)
        {
            throw new ApiOperationException(ApiOperationException.NotFound);
        }

        yield return new QueryEvent(QueryEventType.Value, MainlineNames.PeerId(node.Id), Extra: Convert.ToBase64String(ItemValues.Unwrap(item.Value.Span)));
    }

    public IAsyncEnumerable<QueryEvent> PutAsync(string argument, string key, ReadOnlyMemory<byte> value, CancellationToken cancellationToken) =>
        WithHopsAsync(ItemTarget(argument, key), ct => PutCoreAsync(argument, key, value, ct), cancellationToken);

    private async IAsyncEnumerable<QueryEvent> PutCoreAsync(string argument, string key, ReadOnlyMemory<byte> value, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        byte[] bencoded = ItemValues.Wrap(value.Span);
        if (bencoded.Length > ItemRules.MaxValueSize)
        {
            throw new ApiArgumentException("value", $"a BEP 44 value is at most {ItemRules.MaxValueSize} bytes bencoded; this one is {bencoded.Length}");
        }

        PutResult result;
        if (MainlineNames.TryParseInfohash(key, out var target))
        {
            if (target != ItemRules.ImmutableTarget(bencoded))
            {
                throw new ApiArgumentException(argument, $"an immutable item's key is the SHA-1 of its bencoded value, {ItemRules.ImmutableTarget(bencoded)}");
            }

            result = await node.PutAsync(bencoded, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            try
            {
                result = await node.PutAsync(Salt(argument, key), bencoded, cancellationToken).ConfigureAwait(false);
            }
            catch (DhtPutException e)
            {
                throw new ApiOperationException($"put refused: {e.Message}");
            }
        }

        if (result.Stored == 0 && !result.StoredLocally)
        {
            throw new ApiOperationException("put: no node stored the item");
        }

        yield return new QueryEvent(QueryEventType.Value, MainlineNames.PeerId(node.Id), Extra: Convert.ToBase64String(value.Span));
    }

    public IAsyncEnumerable<QueryEvent> ProvideAsync(RoutingKey key, CancellationToken cancellationToken) =>
        WithHopsAsync(Id(key), ct => ProvideCoreAsync(key, ct), cancellationToken);

    private async IAsyncEnumerable<QueryEvent> ProvideCoreAsync(RoutingKey key, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var result = await node.ProvideAsync(Id(key), cancellationToken: cancellationToken).ConfigureAwait(false);
        if (result.Stored == 0)
        {
            throw new ApiOperationException("failed to find any peer in table");
        }

        yield break;
    }

    public IReadOnlyList<ApiPeer> Peers(int max) =>
        [.. node.ExportNodes().Take(max).Select(n => new ApiPeer(MainlineNames.PeerId(n.Id), [MainlineNames.NodeAddress(n.EndPoint)]))];

    private IAsyncEnumerable<QueryEvent> WithHopsAsync(NodeId target, Func<CancellationToken, IAsyncEnumerable<QueryEvent>> run, CancellationToken cancellationToken) =>
        HopStream.RunAsync(sink => activity?.Follow(target, sink), run, cancellationToken);

    /// <summary>Where a get or put of <paramref name="key"/> looks: the key itself, or the node's named item.</summary>
    private NodeId ItemTarget(string argument, string key) =>
        MainlineNames.TryParseInfohash(key, out var target)
            ? target
            : ItemRules.MutableTarget(node.IdentityKey.PublicKey.Span, System.Text.Encoding.UTF8.GetBytes(Salt(argument, key)));

    private static ApiPeer Provider(IPEndPoint peer) => new(MainlineNames.PeerId(peer), [MainlineNames.PeerAddress(peer)]);

    private static RoutingKey Key(NodeId id) => new(id.ToArray(), id.ToString());

    private static NodeId Id(RoutingKey key) => new(key.Bytes.Span);

    private static string Salt(string argument, string key)
    {
        if (key.Length == 0 || System.Text.Encoding.UTF8.GetByteCount(key) > ItemRules.MaxSaltSize)
        {
            throw new ApiArgumentException(argument, $"a record name is 1 to {ItemRules.MaxSaltSize} bytes of UTF-8 (it is the BEP 44 salt), or an infohash-shaped target");
        }

        return key;
    }
}

/// <summary>
/// API record values are byte strings: a put stores the body as one bencoded byte string, and a get
/// gives back its bytes (or the bencoded value itself when another program stored something else).
/// </summary>
internal static class ItemValues
{
    public static byte[] Wrap(ReadOnlySpan<byte> value)
    {
        var buffer = new byte[BencodeWriter.ByteStringSize(value.Length)];
        var writer = new BencodeWriter(buffer);
        writer.WriteByteString(value);
        return buffer;
    }

    public static ReadOnlySpan<byte> Unwrap(ReadOnlySpan<byte> bencoded)
    {
        try
        {
            var reader = new BencodeReader(bencoded);
            return reader.Read() && reader.TokenType == BencodeTokenType.ByteString && reader.BytesConsumed == bencoded.Length
                ? reader.ValueSpan
                : bencoded;
        }
        catch (BencodeException)
        {
            return bencoded;
        }
    }
}
