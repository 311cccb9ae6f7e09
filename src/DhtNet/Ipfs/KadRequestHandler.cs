using DhtNet.Ipfs.Messages;
using DhtNet.Ipfs.Peers;
using DhtNet.Ipfs.Providers;
using DhtNet.Ipfs.Records;
using DhtNet.LibP2p;
using DhtNet.LibP2p.Multiformats;

namespace DhtNet.Ipfs;

/// <summary>
/// The peers of the routing table closest to a Kademlia identifier (<see cref="IpfsKey"/>), closest
/// first, at most <paramref name="count"/>; the table plugs in here.
/// </summary>
public delegate IReadOnlyList<PeerInfo> ClosestPeersSource(ReadOnlySpan<byte> kademliaKey, int count);

/// <summary>What the stream does after a request: write <see cref="Reply"/>, write nothing, or reset.</summary>
public enum KadHandlerOutcome
{
    /// <summary>Write the reply and wait for the next request.</summary>
    Reply,

    /// <summary>Nothing to write (ADD_PROVIDER); wait for the next request.</summary>
    NoReply,

    /// <summary>The request was bad: reset the stream.</summary>
    Reset,
}

/// <summary>The handler's answer to one request.</summary>
public readonly record struct KadHandlerResult(KadHandlerOutcome Outcome, KadMessage? Reply)
{
    public static KadHandlerResult NoReply => new(KadHandlerOutcome.NoReply, null);

    public static KadHandlerResult Reset => new(KadHandlerOutcome.Reset, null);

    public static KadHandlerResult ReplyWith(KadMessage reply) => new(KadHandlerOutcome.Reply, reply);
}

/// <summary>
/// Answers kad-dht requests on <c>/ipfs/kad/1.0.0</c> streams from the stores and a table snapshot:
/// FIND_NODE, GET_PROVIDERS, ADD_PROVIDER, GET_VALUE, PUT_VALUE and the deprecated PING. Needs no
/// connection: the messenger passes in the request, the authenticated sender and its addresses.
/// A bad request gets <see cref="KadHandlerOutcome.Reset"/> and changes nothing.
/// </summary>
public sealed class KadRequestHandler
{
    /// <summary>The longest ADD_PROVIDER/GET_PROVIDERS key (a multihash) the spec lets a server accept.</summary>
    public const int MaxProviderKeyLength = 80;

    /// <summary>The replication parameter k: closer peers per reply.</summary>
    public const int DefaultBucketSize = 20;

    private readonly PeerId _self;
    private readonly Func<IReadOnlyList<Multiaddr>> _selfAddresses;
    private readonly ClosestPeersSource _closestPeers;
    private readonly ProviderStore _providers;
    private readonly RecordStore _records;
    private readonly AddressBook _addressBook;
    private readonly int _bucketSize;

    /// <param name="self">This node.</param>
    /// <param name="selfAddresses">This node's current listen addresses (included when a FIND_NODE asks for it).</param>
    /// <param name="closestPeers">The routing table's closest peers.</param>
    /// <param name="providers">Provider records.</param>
    /// <param name="records">Value records (validated by its validator).</param>
    /// <param name="addressBook">Known peers' addresses: a FIND_NODE for a known peer answers with it.</param>
    /// <param name="bucketSize">k.</param>
    public KadRequestHandler(PeerId self, Func<IReadOnlyList<Multiaddr>> selfAddresses, ClosestPeersSource closestPeers, ProviderStore providers, RecordStore records, AddressBook addressBook, int bucketSize = DefaultBucketSize)
    {
        ArgumentNullException.ThrowIfNull(selfAddresses);
        ArgumentNullException.ThrowIfNull(closestPeers);
        ArgumentNullException.ThrowIfNull(providers);
        ArgumentNullException.ThrowIfNull(records);
        ArgumentNullException.ThrowIfNull(addressBook);
        ArgumentOutOfRangeException.ThrowIfLessThan(bucketSize, 1);
        if (self.IsEmpty)
        {
            throw new ArgumentException("The node needs a peer id.", nameof(self));
        }

        _self = self;
        _selfAddresses = selfAddresses;
        _closestPeers = closestPeers;
        _providers = providers;
        _records = records;
        _addressBook = addressBook;
        _bucketSize = bucketSize;
    }

    /// <summary>Handles one request from <paramref name="sender"/> (authenticated by the connection).</summary>
    public KadHandlerResult Handle(KadMessage request, PeerId sender, IReadOnlyList<Multiaddr> senderAddresses)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(senderAddresses);
        return request.Type switch
        {
            KadMessageType.FindNode => FindNode(request, sender, senderAddresses),
            KadMessageType.GetProviders => GetProviders(request, sender),
            KadMessageType.AddProvider => AddProvider(request, sender),
            KadMessageType.GetValue => GetValue(request, sender),
            KadMessageType.PutValue => PutValue(request),
            KadMessageType.Ping => KadHandlerResult.ReplyWith(new KadMessage { Type = KadMessageType.Ping }),
            _ => KadHandlerResult.Reset,
        };
    }

    private KadHandlerResult FindNode(KadMessage request, PeerId sender, IReadOnlyList<Multiaddr> senderAddresses)
    {
        var key = request.Key.Span;
        if (key.IsEmpty)
        {
            return KadHandlerResult.Reset;
        }

        var closer = new List<KadPeer>(_bucketSize + 1);

        // A peer asking for a specific id gets that peer first when it is known, even if it is not a
        // DHT server (the spec's "discovering non-DHT servers"): self, the requester, or the address book.
        PeerId listed = default;
        if (PeerId.TryFromBytes(key, out var target))
        {
            var addrs = target == _self ? _selfAddresses()
                : target == sender ? senderAddresses
                : _addressBook.Get(target);
            if (addrs.Count > 0 || target == _self)
            {
                closer.Add(KadPeer.FromPeerInfo(new PeerInfo(target, addrs)));
                listed = target;
            }
        }

        AddCloserPeers(closer, key, sender, exclude: listed);
        return KadHandlerResult.ReplyWith(new KadMessage { Type = KadMessageType.FindNode, Key = request.Key, CloserPeers = closer });
    }

    private KadHandlerResult GetProviders(KadMessage request, PeerId sender)
    {
        var key = request.Key.Span;
        if (key.IsEmpty || key.Length > MaxProviderKeyLength)
        {
            return KadHandlerResult.Reset;
        }

        var stored = _providers.Get(key);
        var providers = new KadPeer[stored.Count];
        for (var i = 0; i < providers.Length; i++)
        {
            providers[i] = KadPeer.FromPeerInfo(stored[i]);
        }

        var closer = new List<KadPeer>(_bucketSize);
        AddCloserPeers(closer, key, sender, exclude: default);
        return KadHandlerResult.ReplyWith(new KadMessage { Type = KadMessageType.GetProviders, Key = request.Key, ProviderPeers = providers, CloserPeers = closer });
    }

    private KadHandlerResult AddProvider(KadMessage request, PeerId sender)
    {
        var key = request.Key.Span;
        if (!IsProviderKey(key))
        {
            return KadHandlerResult.Reset;
        }

        foreach (var entry in request.ProviderPeers)
        {
            // Only the sender may announce itself, and only with addresses to reach it by.
            if (!entry.Id.Span.SequenceEqual(sender.Bytes.Span) || !entry.TryToPeerInfo(out var provider) || provider.Multiaddrs.Count == 0)
            {
                continue;
            }

            _providers.Add(key, provider);
        }

        return KadHandlerResult.NoReply;
    }

    private KadHandlerResult GetValue(KadMessage request, PeerId sender)
    {
        var key = request.Key.Span;
        if (key.IsEmpty)
        {
            return KadHandlerResult.Reset;
        }

        var closer = new List<KadPeer>(_bucketSize);
        AddCloserPeers(closer, key, sender, exclude: default);
        return KadHandlerResult.ReplyWith(new KadMessage { Type = KadMessageType.GetValue, Key = request.Key, Record = _records.Get(key), CloserPeers = closer });
    }

    private KadHandlerResult PutValue(KadMessage request)
    {
        var key = request.Key.Span;
        if (key.IsEmpty || request.Record is not { } record || !record.Key.Span.SequenceEqual(key))
        {
            return KadHandlerResult.Reset;
        }

        // An older or invalid record is refused like a malformed one: go-libp2p-kad-dht resets too.
        return _records.Put(key, record.Value.Span) == RecordPutStatus.Stored
            ? KadHandlerResult.ReplyWith(request)
            : KadHandlerResult.Reset;
    }

    /// <summary>Adds the table's closest peers with addresses, leaving out self, the requester and one already listed.</summary>
    private void AddCloserPeers(List<KadPeer> closer, ReadOnlySpan<byte> key, PeerId sender, PeerId exclude)
    {
        Span<byte> kademliaKey = stackalloc byte[IpfsKey.Length];
        IpfsKey.Compute(key, kademliaKey);
        var wanted = _bucketSize + closer.Count;
        foreach (var peer in _closestPeers(kademliaKey, _bucketSize + 3))
        {
            if (closer.Count >= wanted)
            {
                break;
            }

            if (peer.Id == _self || peer.Id == sender || peer.Id == exclude || peer.Multiaddrs.Count == 0)
            {
                continue;
            }

            closer.Add(KadPeer.FromPeerInfo(peer));
        }
    }

    /// <summary>A key a provider record may have: a multihash of bounded length (restored records are checked the same way).</summary>
    internal static bool IsProviderKey(ReadOnlySpan<byte> key) => !key.IsEmpty && key.Length <= MaxProviderKeyLength && IsMultihash(key);

    private static bool IsMultihash(ReadOnlySpan<byte> key)
    {
        try
        {
            Multihash.FromBytes(key);
            return true;
        }
        catch (LibP2pFormatException)
        {
            return false;
        }
    }
}
