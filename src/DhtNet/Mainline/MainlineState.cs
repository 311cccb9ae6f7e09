using System.Buffers.Binary;
using System.Net;
using DhtNet.Mainline.Bep44;
using DhtNet.Mainline.Krpc;
using DhtNet.Mainline.Storage;
using DhtNet.Persistence;
using DhtNet.Security;

namespace DhtNet.Mainline;

/// <summary>
/// Keeps a Mainline node's state in its <see cref="DhtOptions.StateStore"/>: the node id, the BEP 44
/// identity key, the routing table, the peers and items other nodes stored on us, and what we
/// provide. Restores it at start (the store leaves expired entries out; the node's own stores
/// apply their caps) and records changes as they happen; the store batches them to disk.
/// </summary>
internal sealed class MainlineState : NetworkState<NodeId, NodeInfo>, IStoreObserver
{
    public const string Network = "mainline";

    /// <summary>Publication kind of an infohash we keep announcing (BEP 5 announce_peer).</summary>
    public const string AnnounceKind = "announce";

    private const string IdSlot = "id";
    private const string IdentityKeyName = "identity";

    // Item records: a version byte, then for a mutable item k (32), sig (64), seq (8, big-endian),
    // salt length (1) and salt; then v to the end.
    private const byte ImmutableItem = 1;
    private const byte MutableItem = 2;
    private const int MutableHeaderSize = 1 + Ed25519KeyPair.PublicKeySize + Ed25519KeyPair.SignatureSize + 8 + 1;

    private readonly TimeSpan _peerLifetime;
    private readonly TimeSpan _itemLifetime;
    private readonly StateJournal<PeerChange> _peers;
    private readonly StateJournal<ItemChange> _items;

    public MainlineState(IDhtStateStore store, TimeProvider time, TimeSpan peerLifetime, TimeSpan itemLifetime)
        : base(store, time, Network)
    {
        _peerLifetime = peerLifetime;
        _itemLifetime = itemLifetime;

        // Announces and puts are served at line rate: they go into journals of structs, and the
        // records (arrays, encoded items, wall-clock expiry) are made when the store drains them.
        _peers = CreateJournal<PeerChange>(RecordPeer);
        _items = CreateJournal<ItemChange>(RecordItem);
    }

    /// <summary>Reads the saved state within the caps the node is configured with.</summary>
    public Task<DhtState> LoadAsync(DhtOptions options, ItemStoreOptions items, int maxPublications, CancellationToken cancellationToken)
    {
        long peersByBytes = options.MaxPeerStoreBytes / 32;
        long peersByCount = (long)options.MaxInfohashes * options.MaxPeersPerInfohash;
        return Store.LoadAsync(Network, new DhtStateLimits
        {
            MaxContacts = 10_000,
            MaxPeers = (int)Math.Min(int.MaxValue, Math.Min(peersByBytes, peersByCount)),
            MaxPeersPerInfoHash = options.MaxPeersPerInfohash,
            MaxItems = items.MaxItems,
            MaxProviders = 0,
            MaxProvidersPerKey = 0,
            MaxRecords = 0,
            MaxPublications = maxPublications,
        }, cancellationToken);
    }

    /// <summary>The saved node id, or null when there is none (or it is not 20 bytes).</summary>
    public static NodeId? SavedId(DhtState state) =>
        state.NodeIds.TryGetValue(IdSlot, out byte[]? id) && id.Length == NodeId.Size ? new NodeId(id) : null;

    /// <summary>The saved identity key; when there is none, <paramref name="fallback"/> is saved and returned.</summary>
    public async Task<Ed25519KeyPair> LoadOrSaveIdentityAsync(Func<Ed25519KeyPair> fallback, CancellationToken cancellationToken)
    {
        byte[]? seed = await Store.LoadIdentityKeyAsync(Network, IdentityKeyName, cancellationToken).ConfigureAwait(false);
        if (seed is { Length: Ed25519KeyPair.SeedSize })
        {
            return Ed25519KeyPair.FromSeed(seed);
        }

        if (seed is not null)
        {
            throw new DhtStateException($"The saved Mainline identity key is {seed.Length} bytes; an Ed25519 seed is {Ed25519KeyPair.SeedSize}.");
        }

        var key = fallback();
        await Store.SaveIdentityKeyAsync(Network, IdentityKeyName, key.ExportSeed(), cancellationToken).ConfigureAwait(false);
        return key;
    }

    /// <summary>The saved contacts, as nodes to import into the routing table.</summary>
    public List<NodeInfo> Contacts(DhtState state)
    {
        var nodes = new List<NodeInfo>(state.Contacts.Count);
        foreach (var contact in state.Contacts)
        {
            if (contact.Id.Length != NodeId.Size || !TryReadPeer(contact.Address, out var endPoint))
            {
                Skipped++;
                continue;
            }

            var id = new NodeId(contact.Id);
            nodes.Add(new NodeInfo(id, endPoint));
            ContactRestored(id);
        }

        return nodes;
    }

    /// <summary>Puts the saved peers back, oldest announce first, each with the lifetime it had left.</summary>
    public int RestorePeers(DhtState state, PeerStore peers) =>
        RestoreOldestFirst(state.Peers, _peerLifetime, p => p.Expires, (saved, announcedAt) =>
            saved.InfoHash.Length != NodeId.Size || !TryReadPeer(saved.Address, out var endPoint)
                ? null
                : peers.Restore(new NodeId(saved.InfoHash), endPoint, saved.Seed, announcedAt));

    /// <summary>Puts the saved items back, oldest put first, each with the lifetime it had left.</summary>
    public int RestoreItems(DhtState state, ItemStore items) =>
        RestoreOldestFirst(state.Items, _itemLifetime, i => i.Expires, (saved, lastPut) =>
        {
            if (saved.Target.Length != NodeId.Size || DecodeItem(new NodeId(saved.Target), saved.Item) is not { } item)
            {
                return null;
            }

            items.Restore(item, lastPut);
            return true;
        });

    public void PeerAnnounced(NodeId infoHash, in StoredPeer peer, long announcedAt) =>
        _peers.Append(new PeerChange(infoHash, peer, announcedAt));

    public void ItemStored(DhtItem item, long putAt) => _items.Append(new ItemChange(item, putAt));

    /// <summary>Records our id and the routing table as it is now, and forgets contacts it no longer holds.</summary>
    public void Snapshot(NodeId id, IReadOnlyList<NodeInfo> nodes)
    {
        RecordId(id);
        SnapshotContacts(nodes);
    }

    public void RecordId(NodeId id) => Store.RecordNodeId(Network, IdSlot, id.ToArray());

    internal static byte[] EncodeItem(DhtItem item)
    {
        if (!item.IsMutable)
        {
            byte[] immutable = new byte[1 + item.Value.Length];
            immutable[0] = ImmutableItem;
            item.Value.Span.CopyTo(immutable.AsSpan(1));
            return immutable;
        }

        byte[] data = new byte[MutableHeaderSize + item.Salt.Length + item.Value.Length];
        var span = data.AsSpan();
        span[0] = MutableItem;
        item.PublicKey.Span.CopyTo(span[1..]);
        item.Signature.Span.CopyTo(span[(1 + Ed25519KeyPair.PublicKeySize)..]);
        BinaryPrimitives.WriteInt64BigEndian(span[(MutableHeaderSize - 9)..], item.Sequence);
        span[MutableHeaderSize - 1] = (byte)item.Salt.Length;
        item.Salt.Span.CopyTo(span[MutableHeaderSize..]);
        item.Value.Span.CopyTo(span[(MutableHeaderSize + item.Salt.Length)..]);
        return data;
    }

    /// <summary>The item a record holds, or null when the record is not one this type wrote.</summary>
    internal static DhtItem? DecodeItem(NodeId target, byte[] data)
    {
        if (data.Length > 1 && data[0] == ImmutableItem)
        {
            var value = data.AsMemory(1);
            return NodeId.Sha1(value.Span) == target ? new DhtItem(target, false, value, default, default, 0, default) : null;
        }

        if (data.Length <= MutableHeaderSize || data[0] != MutableItem)
        {
            return null;
        }

        var memory = data.AsMemory();
        int saltLength = data[MutableHeaderSize - 1];
        if (saltLength > ItemRules.MaxSaltSize || data.Length <= MutableHeaderSize + saltLength)
        {
            return null;
        }

        var publicKey = memory.Slice(1, Ed25519KeyPair.PublicKeySize);
        var salt = memory.Slice(MutableHeaderSize, saltLength);
        if (ItemRules.MutableTarget(publicKey.Span, salt.Span) != target)
        {
            return null;
        }

        return new DhtItem(
            target,
            isMutable: true,
            memory[(MutableHeaderSize + saltLength)..],
            publicKey,
            salt,
            BinaryPrimitives.ReadInt64BigEndian(data.AsSpan(MutableHeaderSize - 9)),
            memory.Slice(1 + Ed25519KeyPair.PublicKeySize, Ed25519KeyPair.SignatureSize));
    }

    internal static bool TryReadPeer(byte[] compact, out IPEndPoint endPoint)
    {
        endPoint = null!;
        if (compact.Length is not (CompactEncoding.PeerSizeV4 or CompactEncoding.PeerSizeV6)
            || BinaryPrimitives.ReadUInt16BigEndian(compact.AsSpan(compact.Length - 2)) == 0)
        {
            return false;
        }

        endPoint = CompactEncoding.ReadPeer(compact);
        return true;
    }

    private void RecordPeer(PeerChange change)
    {
        byte[] address = new byte[change.Peer.CompactSize];
        change.Peer.WriteCompact(address);
        Store.RecordPeer(Network, new SavedPeer(change.InfoHash.ToArray(), address, change.Peer.IsSeed, Expires(change.AnnouncedAt, _peerLifetime)));
    }

    private void RecordItem(ItemChange change) =>
        Store.RecordItem(Network, new SavedItem(change.Item.Target.ToArray(), EncodeItem(change.Item), Expires(change.PutAt, _itemLifetime)));

    protected override NodeId IdOf(NodeInfo contact) => contact.Id;

    protected override byte[] IdBytes(NodeId id) => id.ToArray();

    protected override SavedContact Save(NodeInfo contact, DateTimeOffset now)
    {
        byte[] address = new byte[CompactEncoding.PeerSize(CompactEncoding.Family(contact.EndPoint))];
        CompactEncoding.WritePeer(contact.EndPoint, address);
        return new SavedContact(contact.Id.ToArray(), address, now);
    }

    /// <summary>An announce as journaled on the serving path: 56 bytes, no references.</summary>
    private readonly record struct PeerChange(NodeId InfoHash, StoredPeer Peer, long AnnouncedAt);

    /// <summary>A put as journaled: the stored item (immutable, already held by the item store) and when.</summary>
    private readonly record struct ItemChange(DhtItem Item, long PutAt);
}
