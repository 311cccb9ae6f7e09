using DhtNet.Ipfs.Providers;
using DhtNet.Ipfs.Records;
using DhtNet.Kademlia;
using DhtNet.LibP2p;

namespace DhtNet.Ipfs;

/// <summary>How an <see cref="IpfsDhtNode"/> routes, stores and announces; the defaults are the IPFS (Amino) DHT's.</summary>
public sealed class IpfsDhtNodeOptions
{
    /// <summary>k: bucket size, peers per reply and peers a lookup converges on.</summary>
    public int BucketSize { get; init; } = 20;

    /// <summary>Requests a lookup keeps in flight.</summary>
    public int Alpha { get; init; } = 10;

    /// <summary>A client queries the DHT but never serves it, so no peer adds it to its table.</summary>
    public bool ClientMode { get; init; }

    /// <summary>Peers to join through: full multiaddrs ending in <c>/p2p/&lt;peer id&gt;</c>.</summary>
    public IReadOnlyList<Multiaddr> BootstrapPeers { get; init; } = [];

    /// <summary>Most valid records a get collects before it picks the best.</summary>
    public int GetQuorum { get; init; } = 16;

    /// <summary>After this long an unanswered lookup request frees its slot for another (its answer still counts).</summary>
    public TimeSpan LookupSoftTimeout { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>
    /// Time lookups from measured round trips instead of <see cref="LookupSoftTimeout"/> alone: a request frees its
    /// slot once later than SRTT + 2 RTTVAR and is given up (the lookup no longer waits for it; a late answer still
    /// counts) after SRTT + 4 RTTVAR, at least 150 ms, so a dead peer among the closest costs a round trip or two,
    /// not a stream timeout. Off by default: a retry here waits out the messenger's whole timeout first, so a live
    /// peer whose request was lost is given up before its retry can answer (40 lookups over 5 % loss found the exact
    /// closest set 3 times instead of 40), and the loss cannot be measured from retries the lookups abandon. The
    /// simulator turns it on (<c>dht simulate --network ipfs</c>) on lossless paths, where a silent peer is a dead one.
    /// </summary>
    public bool AdaptiveTimeouts { get; init; }

    /// <summary>
    /// With <see cref="AdaptiveTimeouts"/>, this many more answered peers past <see cref="BucketSize"/> per peer
    /// among the closest that did not answer, before a lookup is done (see <see cref="LookupOptions.ExtraPerFailure"/>).
    /// </summary>
    public int LookupExtraPerFailure { get; init; } = 1;

    /// <summary>
    /// Tries of a request that got no answer (lookups, pings, puts), the first included: a lost request or reply
    /// would otherwise drop a live peer from a lookup's closest set (1: no retry).
    /// </summary>
    public int RequestAttempts { get; init; } = 3;

    /// <summary>The wait before the first retry of an unanswered request; each further retry waits twice as long.</summary>
    public TimeSpan RetryBackoff { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>How often what this node provides is announced again (before the 48 h other peers keep it).</summary>
    public TimeSpan ReprovideInterval { get; init; } = ReprovideSchedule.DefaultInterval;

    /// <summary>How often the node looks for due reprovides and purges expired store entries.</summary>
    public TimeSpan HousekeepingInterval { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Bounds of the provider store.</summary>
    public ProviderStoreOptions Providers { get; init; } = new();

    /// <summary>Bounds of the record store.</summary>
    public RecordStoreOptions Records { get; init; } = new();

    /// <summary>Record validators by namespace; the default knows <c>/pk/</c> and <c>/ipns/</c>.</summary>
    public IRecordValidator Validator { get; init; } = RecordValidator.Default;

    /// <summary>Bucket refresh, ping timeout and failures before a peer is bad.</summary>
    public TimeSpan FreshnessInterval { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Where the node's instruments (meter "DhtNet.Ipfs") are created; null for none.</summary>
    public System.Diagnostics.Metrics.IMeterFactory? MeterFactory { get; init; }

    /// <summary>
    /// Where the node keeps its state across restarts and crashes, under the network "ipfs" (one
    /// <see cref="Persistence.SqliteStateStore"/> can serve a Mainline node too): routing-table
    /// contacts with their addresses, the provider records and records other peers stored on us,
    /// the keys we provide and the IPNS names we publish, each with when it is next due. Null keeps
    /// nothing. Start the node with <see cref="IpfsDhtNode.StartAsync"/>, which restores it; the
    /// caller owns the store and disposes it after the node.
    /// </summary>
    public Persistence.IDhtStateStore? StateStore { get; init; }

    /// <summary>
    /// The private key of the node's own peer id: signs the IPNS record of its name
    /// (<see cref="IpfsDhtNode.PublishAsync"/>) and signs it again at each republish, also after a
    /// restart. Null: a name published with it is kept alive with the key the node saves in its state store, as for any other key.
    /// </summary>
    public LibP2p.Crypto.PrivateKey? IdentityKey { get; init; }

    /// <summary>
    /// Most IPNS names the node publishes and keeps alive (<see cref="IpfsDhtNode.PublishAsync"/>): one more throws
    /// <see cref="InvalidOperationException"/> until one is stopped, and a restore takes back at most this many.
    /// </summary>
    public int MaxPublishedNames { get; init; } = DhtNet.Ipfs.Records.IpnsPublisher.DefaultMaxNames;

    /// <summary>Seed for bucket refresh targets and ids of refresh lookups (null: unpredictable).</summary>
    public Random? Random { get; init; }

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(BucketSize, 1, nameof(BucketSize));
        ArgumentOutOfRangeException.ThrowIfLessThan(Alpha, 1, nameof(Alpha));
        ArgumentOutOfRangeException.ThrowIfLessThan(GetQuorum, 1, nameof(GetQuorum));
        ArgumentOutOfRangeException.ThrowIfLessThan(RequestAttempts, 1, nameof(RequestAttempts));
        ArgumentOutOfRangeException.ThrowIfNegative(LookupExtraPerFailure, nameof(LookupExtraPerFailure));
        ArgumentOutOfRangeException.ThrowIfLessThan(RetryBackoff, TimeSpan.Zero, nameof(RetryBackoff));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ReprovideInterval, TimeSpan.Zero, nameof(ReprovideInterval));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(HousekeepingInterval, TimeSpan.Zero, nameof(HousekeepingInterval));
        ArgumentOutOfRangeException.ThrowIfNegative(MaxPublishedNames, nameof(MaxPublishedNames));
        ArgumentNullException.ThrowIfNull(BootstrapPeers, nameof(BootstrapPeers));
        ArgumentNullException.ThrowIfNull(Validator, nameof(Validator));
    }

    internal LookupOptions Lookup => new()
    {
        K = BucketSize,
        Alpha = Alpha,
        SoftTimeout = LookupSoftTimeout,
        MaxCandidates = Math.Max(256, BucketSize * 8),
    };
}
