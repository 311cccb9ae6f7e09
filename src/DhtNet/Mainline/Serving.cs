using System.Buffers;
using System.Net;
using System.Net.Sockets;
using DhtNet.Internal;
using DhtNet.Mainline.Bencode;
using DhtNet.Mainline.Bep44;
using DhtNet.Mainline.Krpc;
using DhtNet.Mainline.Storage;

namespace DhtNet.Mainline;

/// <summary>
/// The KRPC server: answers ping, find_node, get_peers (and BEP 33 scrapes), announce_peer, get,
/// put and sample_infohashes from the routing tables and the stores (BEP 5, 32, 33, 43, 44, 51).
/// One host over its query rate gets no answers, as if its queries were lost.
/// </summary>
internal sealed class Serving : IKrpcQueryHandler
{
    /// <summary>How long a BEP 51 sample stays meaningful, in seconds (samples are drawn afresh per request).</summary>
    private const int SampleIntervalSeconds = 60;

    /// <summary>More values than fit: the encoder keeps as many as fit in the datagram.</summary>
    private const int MaxValuesOffered = 200;

    private const int MaxSamplesOffered = 64;

    private readonly DualStackTables _tables;
    private readonly PeerStore _peers;
    private readonly ItemStore _items;
    private readonly TokenManager _tokens;
    private readonly NodeEvents _events;
    private readonly DhtOptions _options;
    private readonly AddressRateLimiter _queryLimiter;
    private readonly TokenBucket _signatureChecks;
    private readonly Random _sampleRandom = new();

    public Serving(DualStackTables tables, PeerStore peers, ItemStore items, TokenManager tokens, AddressRateLimiter queryLimiter, NodeEvents events, DhtOptions options)
    {
        _tables = tables;
        _peers = peers;
        _items = items;
        _tokens = tokens;
        _queryLimiter = queryLimiter;
        _events = events;
        _options = options;
        _signatureChecks = new TokenBucket(options.TimeProvider, DhtNode.MaxSignatureChecksPerSecond, DhtNode.MaxSignatureChecksPerSecond);
    }

    public KrpcMessage? Handle(KrpcQuery query, IPEndPoint source)
    {
        // BEP 43: a read-only node answers nothing.
        if (_options.ReadOnly)
        {
            return null;
        }

        return query switch
        {
            PingQuery => new PingResponse(_tables.Id),
            FindNodeQuery q => AnswerFindNode(q, source),
            GetPeersQuery q => AnswerGetPeers(q, source),
            AnnouncePeerQuery q => AnswerAnnounce(q, source),
            GetQuery q => AnswerGet(q, source),
            PutQuery q => AnswerPut(q, source),
            SampleInfohashesQuery q => AnswerSample(q, source),
            _ => new KrpcError(KrpcErrorCode.MethodUnknown, "method unknown"),
        };
    }

    public bool AnswersInPlace => true;

    // The serving fast path: the answer is written from the tables and the store straight into the
    // reply (token on the stack, nodes into pooled scratch, peers compacted on the stack).
    public bool WriteAnswer(in KrpcQueryView query, IPEndPoint source, ref BencodeWriter writer, in EncodeBudget budget)
    {
        if (_options.ReadOnly)
        {
            return false;
        }

        if (query.Method == KrpcMethod.Ping)
        {
            PingResponse.Write(ref writer, _tables.Id);
            return true;
        }

        var scratch = ArrayPool<NodeInfo>.Shared.Rent(2 * _options.K);
        try
        {
            var nodes = scratch.AsSpan(0, _options.K);
            var nodes6 = scratch.AsSpan(_options.K, _options.K);
            var (count, count6) = _tables.ClosestFor(query.Target, query.Want, source, nodes, nodes6);
            if (query.Method == KrpcMethod.FindNode)
            {
                FindNodeResponse.Write(ref writer, _tables.Id, nodes[..count], nodes6[..count6]);
                return true;
            }

            Span<byte> token = stackalloc byte[TokenManager.TokenSize];
            _tokens.WriteToken(source.Address, query.Target, token);
            var family = CompactEncoding.Family(source);
            Span<byte> values = stackalloc byte[MaxValuesOffered * CompactEncoding.PeerSizeV6];
            int length = WriteCompactPeers(query.Target, query.NoSeed, family, values);
            GetPeersValues.Write(ref writer, budget, new GetPeersValues
            {
                SenderId = _tables.Id,
                Token = token,
                CompactValues = values[..length],
                CompactValueSize = CompactEncoding.PeerSize(family),
                Nodes = nodes[..count],
                Nodes6 = nodes6[..count6],
            });
            return true;
        }
        finally
        {
            // Cleared: pooled arrays must not keep endpoints alive.
            ArrayPool<NodeInfo>.Shared.Return(scratch, clearArray: true);
        }
    }

    // One host may not keep us busy: over its rate, its queries go unanswered, as if lost. Asked
    // before the decode, so a flood costs a table lookup per datagram, not a parse.
    public bool Admit(IPEndPoint source) => _options.ReadOnly || _queryLimiter.TryTake(source.Address);

    // A host that answers us is a known good contact: its queries draw on a budget of their own.
    public void OnResponded(IPEndPoint source) => _queryLimiter.MarkResponsive(source.Address);

    private FindNodeResponse AnswerFindNode(FindNodeQuery query, IPEndPoint source)
    {
        var (nodes, nodes6) = ClosestFor(query.Target, query.Want, source);
        return new FindNodeResponse(_tables.Id, nodes, nodes6);
    }

    private GetPeersResponse AnswerGetPeers(GetPeersQuery query, IPEndPoint source)
    {
        var token = _tokens.CreateToken(source.Address, query.InfoHash);
        var (nodes, nodes6) = ClosestFor(query.InfoHash, query.Want, source);
        var family = CompactEncoding.Family(source);
        Span<byte> compact = stackalloc byte[MaxValuesOffered * CompactEncoding.PeerSizeV6];
        byte[] values = compact[..WriteCompactPeers(query.InfoHash, query.NoSeed, family, compact)].ToArray();
        int entrySize = CompactEncoding.PeerSize(family);

        ReadOnlyMemory<byte> seeds = default, peers = default;
        if (query.Scrape && _peers.TryGetScrapeFilters(query.InfoHash, out var seedFilter, out var peerFilter))
        {
            // Fresh filters made for this reply: their bytes go out as they are.
            seeds = seedFilter.Memory;
            peers = peerFilter.Memory;
        }

        return new GetPeersResponse(_tables.Id, token)
        {
            CompactValues = values,
            CompactValueSize = entrySize,
            Nodes = nodes,
            Nodes6 = nodes6,
            BloomSeeds = seeds,
            BloomPeers = peers,
        };
    }

    private KrpcMessage AnswerAnnounce(AnnouncePeerQuery query, IPEndPoint source)
    {
        if (!_tokens.IsValid(query.Token.Span, source.Address, query.InfoHash))
        {
            return new KrpcError(KrpcErrorCode.Protocol, "invalid token");
        }

        int port = query.ImpliedPort ? source.Port : query.Port;
        if (port is < 1 or > IPEndPoint.MaxPort)
        {
            return new KrpcError(KrpcErrorCode.Protocol, "argument 'port' must be 1..65535");
        }

        var peer = new IPEndPoint(source.Address, port);
        if (!_peers.Announce(query.InfoHash, peer, query.Seed))
        {
            return new KrpcError(KrpcErrorCode.Protocol, "peer address is not usable");
        }

        _events.OnAnnounceReceived(query.InfoHash, peer, query.Seed);
        return new AnnouncePeerResponse(_tables.Id);
    }

    private GetResponse AnswerGet(GetQuery query, IPEndPoint source)
    {
        var token = _tokens.CreateToken(source.Address, query.Target);
        var (nodes, nodes6) = ClosestFor(query.Target, query.Want, source);
        var found = _items.Get(query.Target, query.Sequence);
        if (found.Item is not { } item)
        {
            return new GetResponse(_tables.Id, token) { Nodes = nodes, Nodes6 = nodes6 };
        }

        if (!item.IsMutable)
        {
            return new GetResponse(_tables.Id, token) { Nodes = nodes, Nodes6 = nodes6, Value = item.Value };
        }

        // BEP 44: when the asker already has this seq or newer, only seq is sent back.
        return found.IncludeValue
            ? new GetResponse(_tables.Id, token)
            {
                Nodes = nodes,
                Nodes6 = nodes6,
                Value = item.Value,
                PublicKey = item.PublicKey,
                Signature = item.Signature,
                Sequence = item.Sequence,
            }
            : new GetResponse(_tables.Id, token) { Nodes = nodes, Nodes6 = nodes6, Sequence = item.Sequence };
    }

    private KrpcMessage AnswerPut(PutQuery query, IPEndPoint source)
    {
        if (query.Value.Length > ItemRules.MaxValueSize)
        {
            return new KrpcError(KrpcErrorCode.MessageTooBig, $"value is {query.Value.Length} bytes; at most {ItemRules.MaxValueSize} are stored");
        }

        if (!query.IsMutable)
        {
            var target = ItemRules.ImmutableTarget(query.Value.Span);
            if (!_tokens.IsValid(query.Token.Span, source.Address, target))
            {
                return new KrpcError(KrpcErrorCode.Protocol, "invalid token");
            }

            var stored = _items.PutImmutable(query.Value.Span);
            return stored.IsSuccess ? new PutResponse(_tables.Id) : new KrpcError(stored.ErrorCode, stored.ErrorMessage ?? "not stored");
        }

        if (query.Salt.Length > ItemRules.MaxSaltSize)
        {
            return new KrpcError(KrpcErrorCode.SaltTooBig, $"salt is {query.Salt.Length} bytes; at most {ItemRules.MaxSaltSize} are allowed");
        }

        if (query.PublicKey.Length != ItemRules.PublicKeySize || query.Signature.Length != ItemRules.SignatureSize)
        {
            return new KrpcError(KrpcErrorCode.Protocol, "argument 'k' must be 32 bytes and 'sig' 64 bytes");
        }

        if (query.Sequence is not { } sequence)
        {
            return new KrpcError(KrpcErrorCode.Protocol, "missing argument 'seq'");
        }

        var mutableTarget = ItemRules.MutableTarget(query.PublicKey.Span, query.Salt.Span);
        if (!_tokens.IsValid(query.Token.Span, source.Address, mutableTarget))
        {
            return new KrpcError(KrpcErrorCode.Protocol, "invalid token");
        }

        if (!_signatureChecks.TryTake())
        {
            return new KrpcError(KrpcErrorCode.Server, "too many puts; try again later");
        }

        if (!ItemRules.VerifySignature(query.PublicKey.Span, query.Salt.Span, sequence, query.Value.Span, query.Signature.Span))
        {
            return new KrpcError(KrpcErrorCode.InvalidSignature, "invalid signature");
        }

        var result = _items.PutMutable(query.PublicKey.Span, query.Salt.Span, sequence, query.Signature.Span, query.Value.Span, query.Cas);
        return result.IsSuccess ? new PutResponse(_tables.Id) : new KrpcError(result.ErrorCode, result.ErrorMessage ?? "not stored");
    }

    private SampleInfohashesResponse AnswerSample(SampleInfohashesQuery query, IPEndPoint source)
    {
        var (nodes, nodes6) = ClosestFor(query.Target, query.Want, source);
        NodeId[] samples;
        lock (_sampleRandom)
        {
            samples = _peers.SampleInfohashes(MaxSamplesOffered, _sampleRandom);
        }

        return new SampleInfohashesResponse(_tables.Id, SampleIntervalSeconds, _peers.InfohashCount, samples) { Nodes = nodes, Nodes6 = nodes6 };
    }

    // Peers of the asker's family go out in compact form straight from the store, no endpoint per
    // peer (more are offered than fit; the encoder keeps what fits). Returns the bytes written.
    private int WriteCompactPeers(NodeId infoHash, bool noSeed, AddressFamily family, Span<byte> destination)
    {
        Span<StoredPeer> stored = stackalloc StoredPeer[MaxValuesOffered];
        int count = _peers.GetPeers(infoHash, stored, noSeed, family);
        int entrySize = CompactEncoding.PeerSize(family);
        for (int i = 0; i < count; i++)
        {
            stored[i].WriteCompact(destination[(i * entrySize)..]);
        }

        return count * entrySize;
    }

    private (NodeInfo[] Nodes, NodeInfo[] Nodes6) ClosestFor(NodeId target, KrpcWant want, IPEndPoint source) =>
        _tables.ClosestFor(target, want, source, _options.K);
}
