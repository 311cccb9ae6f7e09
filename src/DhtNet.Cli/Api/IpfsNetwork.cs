using System.Runtime.CompilerServices;
using System.Text;
using DhtNet.Ipfs.Blocks;

namespace DhtNet.Cli.Api;

/// <summary>
/// The IPFS DHT (<c>/ipfs/kad/1.0.0</c>) behind the HTTP endpoints. Keys are CIDs (their multihash is the
/// DHT key), peers are libp2p peer ids, providers are provider records, and records are <c>/ipns/</c> and
/// <c>/pk/</c> values whose keys arrive as text (<c>/ipns/&lt;peer id&gt;</c>) and go on the wire binary.
/// It also owns what the IPFS-only commands need: the host (swarm), the identity key (IPNS) and the block
/// store (add, block, provide).
/// </summary>
internal sealed class IpfsNetwork : IRoutingNetwork
{
    /// <summary>Names resolved through at most this many IPNS records (kubo's recursion limit).</summary>
    public const int MaxResolveDepth = 32;

    private readonly IpfsDhtNode _node;
    private readonly LibP2pHost _host;
    private readonly PrivateKey _identity;
    private readonly KadObserver? _observer;
    private readonly TimeProvider _time;

    /// <param name="node">The running node; build it on <paramref name="observer"/> to stream its hops.</param>
    /// <param name="host">The node's libp2p host (swarm commands, addresses).</param>
    /// <param name="identity">The host's key: IPNS records of this node are signed with it.</param>
    /// <param name="observer">The messenger the node sends through, when it is observed.</param>
    /// <param name="blocks">The blocks this node holds; null for a new store with the default bounds.</param>
    public IpfsNetwork(IpfsDhtNode node, LibP2pHost host, PrivateKey identity, KadObserver? observer = null, BlockStore? blocks = null, TimeProvider? time = null)
    {
        if (identity.PeerId != node.PeerId)
        {
            throw new ArgumentException("The identity key is not the node's.", nameof(identity));
        }

        _node = node;
        _host = host;
        _identity = identity;
        _observer = observer;
        _time = time ?? TimeProvider.System;
        Blocks = blocks ?? new BlockStore();
    }

    public string Name => "ipfs";

    public IpfsDhtNode Node => _node;

    public LibP2pHost Host => _host;

    public KadObserver? Observer => _observer;

    public BlockStore Blocks { get; }

    public PublicKey PublicKey => _identity.PublicKey;

    /// <summary>Our peer id and full multiaddrs (ending in /p2p/, as kubo's id lists them).</summary>
    public ApiPeer Self => new(_node.PeerId.ToString(), [.. _host.AdvertisedAddresses.Select(a => a.WithPeerId(_node.PeerId).ToString())]);

    public bool SupportsIpns => true;

    public KeyMatch Match(KeyKind kind, string text) => kind switch
    {
        KeyKind.Content => Cid.TryParse(text, out var cid)
            ? cid.Multihash.Code == Multicodec.Sha1 ? KeyMatch.Fallback : KeyMatch.Exact
            : KeyMatch.None,
        KeyKind.Peer => PeerId.TryParse(text, out var peer) && IsFullPeerId(peer) ? KeyMatch.Exact : KeyMatch.None,
        _ => TryRecordKey(text, out _) ? KeyMatch.Exact : KeyMatch.None,
    };

    public RoutingKey ResolveKey(string argument, string text) =>
        Cid.TryParse(text, out var cid)
            ? new RoutingKey(cid.Multihash.Bytes, cid.ToString())
            : throw new ApiArgumentException(argument, "expected a CID (Qm… or a multibase CIDv1)");

    public RoutingKey ResolvePeer(string argument, string text) =>
        PeerId.TryParse(text, out var peer) && IsFullPeerId(peer)
            ? new RoutingKey(peer.Bytes, peer.ToString())
            : throw new ApiArgumentException(argument, "expected a peer id (12D3Koo…, Qm…, or a libp2p-key CID)");

    public IAsyncEnumerable<QueryEvent> QueryAsync(RoutingKey key, CancellationToken cancellationToken) =>
        WithHopsAsync(key.Bytes, ct => QueryCoreAsync(key, ct), cancellationToken);

    public IAsyncEnumerable<QueryEvent> FindProvidersAsync(RoutingKey key, int count, CancellationToken cancellationToken) =>
        WithHopsAsync(key.Bytes, ct => FindProvidersCoreAsync(key, count, ct), cancellationToken);

    public IAsyncEnumerable<QueryEvent> FindPeerAsync(RoutingKey peer, CancellationToken cancellationToken) =>
        WithHopsAsync(peer.Bytes, ct => FindPeerCoreAsync(peer, ct), cancellationToken);

    public IAsyncEnumerable<QueryEvent> GetAsync(string argument, string key, CancellationToken cancellationToken)
    {
        byte[] binary = RecordKey(argument, key);
        return WithHopsAsync(binary, ct => GetCoreAsync(binary, ct), cancellationToken);
    }

    public IAsyncEnumerable<QueryEvent> PutAsync(string argument, string key, ReadOnlyMemory<byte> value, CancellationToken cancellationToken)
    {
        byte[] binary = RecordKey(argument, key);
        return WithHopsAsync(binary, ct => PutCoreAsync(binary, value, ct), cancellationToken);
    }

    public IAsyncEnumerable<QueryEvent> ProvideAsync(RoutingKey key, CancellationToken cancellationToken)
    {
        var multihash = Multihash.FromBytes(key.Bytes.Span);
        if (!Blocks.Has(multihash))
        {
            // kubo refuses to announce what it cannot serve; so do we (add or block/put it first).
            throw new ApiOperationException($"{key.Text}: block not found locally, cannot provide");
        }

        return WithHopsAsync(key.Bytes, ct => ProvideCoreAsync(multihash, ct), cancellationToken);
    }

    public IReadOnlyList<ApiPeer> Peers(int max) =>
        [.. _host.Connections.Take(max).Select(c => new ApiPeer(c.RemotePeer.ToString(), [c.RemoteAddress.ToString()]))];

    /// <summary>Dials <paramref name="address"/> (which must end in /p2p/&lt;peer id&gt;) and offers the peer to the table once identify shows it serves the DHT.</summary>
    public async Task<PeerId> ConnectAsync(Multiaddr address, CancellationToken cancellationToken)
    {
        try
        {
            var connection = await _host.ConnectAsync(address, cancellationToken).ConfigureAwait(false);
            return connection.RemotePeer;
        }
        catch (Exception e) when (e is LibP2pProtocolException or LibP2pFormatException or IOException or System.Net.Sockets.SocketException or TimeoutException)
        {
            throw new ApiOperationException($"connect {address}: failure: {e.Message}");
        }
    }

    /// <summary>
    /// Publishes an IPNS record for this node's name pointing at <paramref name="path"/>, signed with its key.
    /// With the default lifetime and TTL the node keeps the name alive (<see cref="IpfsDhtNode.PublishAsync"/>);
    /// otherwise it is one record, the sequence one past the last record this node knows for its name.
    /// </summary>
    public async Task<(string Name, string Value)> PublishAsync(string path, TimeSpan lifetime, TimeSpan ttl, CancellationToken cancellationToken)
    {
        if (lifetime == IpfsEndpoints.DefaultLifetime && ttl == IpfsEndpoints.DefaultTtl)
        {
            // kubo's defaults: the name is kept alive as kubo's republisher keeps it (signed and put
            // again every 4 h, and across restarts when the node keeps its state).
            await _node.PublishAsync(_identity, Encoding.UTF8.GetBytes(path), cancellationToken).ConfigureAwait(false);
            return (_node.PeerId.ToString(), path);
        }

        // A lifetime or TTL of the caller's own is one record, not kept alive: re-signing it with the
        // defaults would change what was asked for, and the kept record must not outrank this one.
        _node.StopPublishing(_node.PeerId);
        byte[] key = IpnsRecord.KeyFor(_node.PeerId);
        ulong sequence = 0;
        byte[]? current = _node.Records.Get(key)?.Value.ToArray();
        if (current is null)
        {
            try
            {
                current = await _node.GetAsync(key, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
            }
        }

        if (current is not null)
        {
            sequence = IpnsRecord.Parse(current).Sequence + 1;
        }

        byte[] record = IpnsRecord.Create(_identity, Encoding.UTF8.GetBytes(path), sequence, _time.GetUtcNow() + lifetime, ttl);
        await _node.PutAsync(key, record, cancellationToken).ConfigureAwait(false);
        return (_node.PeerId.ToString(), path);
    }

    /// <summary>The path <paramref name="name"/> points at, following /ipns/ values when <paramref name="recursive"/>.</summary>
    public async Task<string> ResolveAsync(PeerId name, bool recursive, CancellationToken cancellationToken)
    {
        for (int depth = 0; depth < MaxResolveDepth; depth++)
        {
            byte[] record = await GetIpnsAsync(name, cancellationToken).ConfigureAwait(false)
                ?? throw new ApiOperationException($"could not resolve name: /ipns/{name}: {ApiOperationException.NotFound}");
            string value = Encoding.UTF8.GetString(IpnsRecord.Parse(record).Value.Span);
            if (!recursive || !value.StartsWith(IpnsRecord.Namespace, StringComparison.Ordinal)
                || !PeerId.TryParse(value[IpnsRecord.Namespace.Length..].Split('/')[0], out var next))
            {
                return value;
            }

            name = next;
        }

        throw new ApiOperationException($"could not resolve name: more than {MaxResolveDepth} IPNS records in a row");
    }

    /// <summary>The best valid IPNS record of <paramref name="name"/> on the DHT, or null.</summary>
    public Task<byte[]?> GetIpnsAsync(PeerId name, CancellationToken cancellationToken) =>
        _node.GetAsync(IpnsRecord.KeyFor(name), cancellationToken);

    /// <summary>Stores a record for <paramref name="name"/> made elsewhere (delegated routing PUT).</summary>
    /// <exception cref="ApiArgumentException">The record is not a valid record of that name.</exception>
    public async Task PutIpnsAsync(PeerId name, byte[] record, CancellationToken cancellationToken)
    {
        try
        {
            await _node.PutAsync(IpnsRecord.KeyFor(name), record, cancellationToken).ConfigureAwait(false);
        }
        catch (ArgumentException e)
        {
            throw new ApiArgumentException("record", Reason(e));
        }
    }

    public static ApiPeer ToApiPeer(PeerInfo peer) => new(peer.Id.ToString(), [.. peer.Multiaddrs.Select(a => a.ToString())]);

    /// <summary>A key as the dashboard names a lookup: the peer id, CID or record key it stands for.</summary>
    public static string KeyText(ReadOnlySpan<byte> key)
    {
        foreach (string prefix in new[] { IpnsRecord.Namespace, "/pk/" })
        {
            if (key.StartsWith(Encoding.ASCII.GetBytes(prefix)) && PeerId.TryFromBytes(key[prefix.Length..], out var named))
            {
                return prefix + named;
            }
        }

        if (PeerId.TryFromBytes(key, out var peer) && IsFullPeerId(peer))
        {
            return peer.ToString();
        }

        try
        {
            return Cid.CreateV1(Multicodec.Raw, Multihash.FromBytes(key)).ToString();
        }
        catch (LibP2pFormatException)
        {
            return Convert.ToHexStringLower(key);
        }
    }

    private async IAsyncEnumerable<QueryEvent> QueryCoreAsync(RoutingKey key, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        foreach (var peer in await _node.QueryAsync(key.Bytes, cancellationToken).ConfigureAwait(false))
        {
            var api = ToApiPeer(peer);
            yield return new QueryEvent(QueryEventType.FinalPeer, api.Id, [api]);
        }
    }

    private async IAsyncEnumerable<QueryEvent> FindProvidersCoreAsync(RoutingKey key, int count, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var provider in _node.FindProvidersAsync(Multihash.FromBytes(key.Bytes.Span), count, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            yield return new QueryEvent(QueryEventType.Provider, Responses: [ToApiPeer(provider)]);
        }
    }

    private async IAsyncEnumerable<QueryEvent> FindPeerCoreAsync(RoutingKey peer, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var found = await _node.FindPeerAsync(PeerId.FromBytes(peer.Bytes.Span), cancellationToken).ConfigureAwait(false)
            ?? throw new ApiOperationException(ApiOperationException.NotFound);
        yield return new QueryEvent(QueryEventType.FinalPeer, Responses: [ToApiPeer(found)]);
    }

    private async IAsyncEnumerable<QueryEvent> GetCoreAsync(byte[] key, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        byte[] value = await _node.GetAsync(key, cancellationToken).ConfigureAwait(false)
            ?? throw new ApiOperationException(ApiOperationException.NotFound);
        yield return new QueryEvent(QueryEventType.Value, _node.PeerId.ToString(), Extra: Convert.ToBase64String(value));
    }

    private async IAsyncEnumerable<QueryEvent> PutCoreAsync(byte[] key, ReadOnlyMemory<byte> value, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        try
        {
            await _node.PutAsync(key, value, cancellationToken).ConfigureAwait(false);
        }
        catch (ArgumentException e)
        {
            throw new ApiArgumentException("value", Reason(e));
        }

        yield return new QueryEvent(QueryEventType.Value, _node.PeerId.ToString(), Extra: Convert.ToBase64String(value.Span));
    }

    private async IAsyncEnumerable<QueryEvent> ProvideCoreAsync(Multihash multihash, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (await _node.ProvideAsync(Cid.CreateV1(Multicodec.Raw, multihash), cancellationToken).ConfigureAwait(false) == 0)
        {
            throw new ApiOperationException("failed to find any peer in table");
        }

        yield break;
    }

    private IAsyncEnumerable<QueryEvent> WithHopsAsync(ReadOnlyMemory<byte> key, Func<CancellationToken, IAsyncEnumerable<QueryEvent>> run, CancellationToken cancellationToken) =>
        HopStream.RunAsync(sink => _observer?.Follow(key, sink), run, cancellationToken);

    /// <summary>Why a validator refused a record, without the " (Parameter 'value')" the exception adds to its message.</summary>
    private static string Reason(ArgumentException e) => e.ParamName is null ? e.Message : e.Message.Replace($" (Parameter '{e.ParamName}')", "", StringComparison.Ordinal);

    private static byte[] RecordKey(string argument, string text) =>
        TryRecordKey(text, out byte[]? key)
            ? key
            : throw new ApiArgumentException(argument, "expected a record key /ipns/<peer id> or /pk/<peer id>");

    /// <summary>A record key as kubo takes it, text (<c>/ipns/12D3Koo…</c>), to the binary key the DHT stores (namespace and peer id multihash).</summary>
    private static bool TryRecordKey(string text, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out byte[]? key)
    {
        key = null;
        foreach (string prefix in new[] { IpnsRecord.Namespace, "/pk/" })
        {
            if (text.StartsWith(prefix, StringComparison.Ordinal) && PeerId.TryParse(text[prefix.Length..], out var peer) && IsFullPeerId(peer))
            {
                key = prefix == IpnsRecord.Namespace ? IpnsRecord.KeyFor(peer) : PublicKeyRecordValidator.KeyFor(peer);
                return true;
            }
        }

        return false;
    }

    /// <summary>A libp2p peer id: an inlined key (identity) or a SHA-256 of one; the 20-byte ids Mainline prints are not.</summary>
    private static bool IsFullPeerId(PeerId peer)
    {
        var span = peer.Bytes.Span;
        return span.Length > 2 && (span[0] == Multicodec.Identity || (span[0] == Multicodec.Sha2_256 && span[1] == 32));
    }
}
