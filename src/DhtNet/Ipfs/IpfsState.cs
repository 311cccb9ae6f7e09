using DhtNet.Ipfs.Providers;
using DhtNet.Ipfs.Records;
using DhtNet.LibP2p;
using DhtNet.LibP2p.Crypto;
using DhtNet.LibP2p.Multiformats;
using DhtNet.Persistence;

namespace DhtNet.Ipfs;

/// <summary>
/// Keeps an IPFS node's state in its <see cref="IpfsDhtNodeOptions.StateStore"/> under the network
/// "ipfs": the routing-table contacts with their multiaddrs, the provider records and value records
/// other peers stored on us, the keys we provide and the IPNS names we publish, each with when it is
/// next due. Restores it at start (the store leaves expired entries out; the node's stores apply
/// their caps and lifetimes) and records changes as they happen: announcements and puts served go
/// through journals, so the serving path only appends a struct.
/// </summary>
internal sealed class IpfsState : NetworkState<PeerId, IpfsContact>, IProviderObserver
{
    public const string Network = "ipfs";

    /// <summary>Publication kind of a key (multihash) we provide; no payload.</summary>
    public const string ProvideKind = "provide";

    /// <summary>Publication kind of an IPNS name we publish: its peer id; the payload is the sequence and value.</summary>
    public const string IpnsKind = "ipns";

    /// <summary>Most multiaddrs kept per contact or provider.</summary>
    internal const int MaxAddresses = 16;

    private readonly TimeSpan _providerLifetime;
    private readonly StateJournal<ProviderChange> _providers;
    private readonly StateJournal<RecordChange> _records;
    private readonly TimeSpan _recordAge;

    public IpfsState(IDhtStateStore store, TimeProvider time, IpfsDhtNodeOptions options)
        : base(store, time, Network)
    {
        _providerLifetime = options.Providers.ProviderLifetime;
        _recordAge = options.Records.MaxRecordAge;
        _providers = CreateJournal<ProviderChange>(RecordProvider);
        _records = CreateJournal<RecordChange>(RecordValue);
    }

    /// <summary>Reads the saved state within the caps the node is configured with.</summary>
    public Task<DhtState> LoadAsync(IpfsDhtNodeOptions options, CancellationToken cancellationToken) =>
        Store.LoadAsync(Network, new DhtStateLimits
        {
            MaxContacts = options.BucketSize * Kademlia.Key256.Bits,
            MaxPeers = 0,
            MaxPeersPerInfoHash = 0,
            MaxItems = 0,
            MaxProviders = (int)Math.Min(int.MaxValue, (long)options.Providers.MaxKeys * options.Providers.MaxProvidersPerKey),
            MaxProvidersPerKey = options.Providers.MaxProvidersPerKey,
            MaxRecords = options.Records.MaxRecords,
            MaxPublications = ReprovideSchedule.DefaultMaxKeys + options.MaxPublishedNames,
        }, cancellationToken);

    /// <summary>
    /// Saves the private key that signs the IPNS name <paramref name="key"/> publishes, at once and as a secret
    /// (with a <see cref="SqliteStateStore"/>: a file of mode 0600 in its key folder, beside the node's own
    /// identity key), so a restarted node can sign the name's record again without being handed the key.
    /// </summary>
    public Task SaveNameKeyAsync(PrivateKey key, CancellationToken cancellationToken) =>
        Store.SaveIdentityKeyAsync(Network, NameKeyName(key.PeerId), key.Marshal(), cancellationToken);

    /// <summary>The saved key that signs <paramref name="name"/>, or null when none is saved or what is saved is not its key.</summary>
    public async Task<PrivateKey?> LoadNameKeyAsync(PeerId name, CancellationToken cancellationToken)
    {
        if (await Store.LoadIdentityKeyAsync(Network, NameKeyName(name), cancellationToken).ConfigureAwait(false) is not { } saved)
        {
            return null;
        }

        try
        {
            var key = PrivateKey.Unmarshal(saved);
            return key.PeerId == name ? key : null;
        }
        catch (LibP2pFormatException)
        {
            return null;
        }
    }

    /// <summary>The saved contacts with their addresses, most recently seen first.</summary>
    public List<PeerInfo> Contacts(DhtState state)
    {
        var peers = new List<PeerInfo>(state.Contacts.Count);
        foreach (var contact in state.Contacts)
        {
            if (!PeerId.TryFromBytes(contact.Id, out var id) || DecodeAddresses(contact.Address) is not { Count: > 0 } addresses)
            {
                Skipped++;
                continue;
            }

            peers.Add(new PeerInfo(id, addresses));
            ContactRestored(id);
        }

        return peers;
    }

    /// <summary>Puts the saved provider records back, oldest announcement first, each with the lifetime it had left.</summary>
    public int RestoreProviders(DhtState state, ProviderStore providers) =>
        RestoreOldestFirst(state.Providers, _providerLifetime, p => p.Expires, (saved, announcedAt) =>
            !PeerId.TryFromBytes(saved.ProviderId, out var id) || !KadRequestHandler.IsProviderKey(saved.Key) || DecodeAddresses(saved.Addresses) is not { } addresses
                ? null
                : providers.Restore(saved.Key, new PeerInfo(id, addresses), announcedAt));

    /// <summary>Puts the saved value records back, validated again (an IPNS record past its validity stays out).</summary>
    public int RestoreRecords(DhtState state, RecordStore records)
    {
        int restored = 0;
        for (int i = state.Records.Count - 1; i >= 0; i--)
        {
            var saved = state.Records[i];
            if (records.Restore(saved.Key, saved.Value, saved.Received) == RecordPutStatus.Stored)
            {
                restored++;
            }
        }

        return restored;
    }

    /// <summary>Puts back the keys we provide and the names we publish, each due when it was; returns how many.</summary>
    public int RestorePublications(DhtState state, ReprovideSchedule provided, IpnsPublisher ipns)
    {
        int restored = 0;
        foreach (var publication in state.Publications)
        {
            bool ok = publication.Kind switch
            {
                ProvideKind => publication.Payload.Length == 0 && KadRequestHandler.IsProviderKey(publication.Key) && provided.Restore(publication.Key, publication.NextDue),
                IpnsKind => ipns.Restore(publication.Key, publication.Payload, publication.NextDue),
                _ => true, // another version's kind: left as it is
            };

            if (ok)
            {
                restored++;
            }
            else
            {
                Skipped++;
            }
        }

        return restored;
    }

    /// <summary>From here on what is stored on us and what we publish are recorded as they change.</summary>
    public void Attach(ProviderStore providers, RecordStore records, ReprovideSchedule provided, IpnsPublisher ipns)
    {
        providers.Observer = this;
        records.Stored = (key, value, received) => _records.Append(new RecordChange(key, value, received));
        provided.Changed = (key, due) => Published(ProvideKind, key, due, static _ => []);
        ipns.Schedule.Changed = (key, due) => Published(IpnsKind, key, due, ipns.Payload);
    }

    public void ProviderAdded(ReadOnlyMemory<byte> key, PeerId provider, Multiaddr[] addresses, long announcedAt) =>
        _providers.Append(new ProviderChange(key, provider, addresses, announcedAt));

    /// <summary>Multiaddrs as one blob: each one's length (varint), then its bytes.</summary>
    internal static byte[] EncodeAddresses(IReadOnlyList<Multiaddr> addresses)
    {
        int count = Math.Min(addresses.Count, MaxAddresses);
        int size = 0;
        for (int i = 0; i < count; i++)
        {
            size += Varint.GetLength((ulong)addresses[i].Bytes.Length) + addresses[i].Bytes.Length;
        }

        byte[] blob = new byte[size];
        int offset = 0;
        for (int i = 0; i < count; i++)
        {
            var bytes = addresses[i].Bytes.Span;
            offset += Varint.Write(blob.AsSpan(offset), (ulong)bytes.Length);
            bytes.CopyTo(blob.AsSpan(offset));
            offset += bytes.Length;
        }

        return blob;
    }

    /// <summary>The multiaddrs of a blob <see cref="EncodeAddresses"/> wrote, or null when it is not one.</summary>
    internal static List<Multiaddr>? DecodeAddresses(ReadOnlySpan<byte> blob)
    {
        var addresses = new List<Multiaddr>();
        while (!blob.IsEmpty)
        {
            if (addresses.Count == MaxAddresses || !Varint.TryRead(blob, out ulong length, out int read)
                || length > (ulong)(blob.Length - read) || !Multiaddr.TryFromBytes(blob.Slice(read, (int)length), out var address))
            {
                return null;
            }

            addresses.Add(address);
            blob = blob[(read + (int)length)..];
        }

        return addresses;
    }

    /// <summary>
    /// The store's name for the key of an IPNS name: "ipns-" and 40 hex digits of SHA-256 of its peer id, since a
    /// key name is at most 64 characters and a peer id in text is longer. A loaded key is checked against the name.
    /// </summary>
    internal static string NameKeyName(PeerId name) =>
        "ipns-" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(name.Bytes.Span)[..20]);

    protected override PeerId IdOf(IpfsContact contact) => contact.Peer.Id;

    protected override byte[] IdBytes(PeerId id) => id.Bytes.ToArray();

    protected override SavedContact Save(IpfsContact contact, DateTimeOffset now) =>
        new(contact.Peer.Id.Bytes.ToArray(), EncodeAddresses(contact.Peer.Multiaddrs), now);

    private void Published(string kind, ReadOnlyMemory<byte> key, DateTimeOffset? due, Func<ReadOnlySpan<byte>, byte[]?> payload)
    {
        if (due is { } next && payload(key.Span) is { } bytes)
        {
            RecordPublication(new SavedPublication(kind, key.ToArray(), bytes, next));
        }
        else if (due is null)
        {
            RemovePublication(kind, key.ToArray());
        }
    }

    private void RecordProvider(ProviderChange change) =>
        Store.RecordProvider(Network, new SavedProviderRecord(change.Key.ToArray(), change.Provider.Bytes.ToArray(), EncodeAddresses(change.Addresses), Expires(change.AnnouncedAt, _providerLifetime)));

    private void RecordValue(RecordChange change) =>
        Store.RecordValue(Network, new SavedRecord(change.Key.ToArray(), change.Value, change.Received, change.Received + _recordAge));

    /// <summary>An ADD_PROVIDER as journaled on the serving path: references to what the provider store already holds.</summary>
    private readonly record struct ProviderChange(ReadOnlyMemory<byte> Key, PeerId Provider, Multiaddr[] Addresses, long AnnouncedAt);

    /// <summary>A PUT_VALUE as journaled: the key and value the record store already holds, and when it was received.</summary>
    private readonly record struct RecordChange(ReadOnlyMemory<byte> Key, byte[] Value, DateTimeOffset Received);
}
