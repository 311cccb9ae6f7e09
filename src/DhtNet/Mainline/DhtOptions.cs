using System.Diagnostics.Metrics;
using System.Net;
using DhtNet.Kademlia;
using DhtNet.Security;
using Microsoft.Extensions.Logging;

namespace DhtNet.Mainline;

/// <summary>
/// Settings of a DhtNode. Every limit has a default suited to a node on the public
/// Mainline DHT; tests and simulations shrink timeouts and inject a clock.
/// </summary>
public sealed record DhtOptions
{
    /// <summary>The public bootstrap routers, resolved by DNS at start.</summary>
    public static IReadOnlyList<string> PublicBootstrapNodes { get; } =
    [
        "router.bittorrent.com:6881",
        "router.utorrent.com:6881",
        "dht.transmissionbt.com:6881",
        "dht.libtorrent.org:25401",
    ];

    /// <summary>UDP port to bind; 0 picks a free one.</summary>
    public int Port { get; init; } = 6881;

    /// <summary>Addresses to bind, at most one per address family. Default: all IPv4 and all IPv6 interfaces.</summary>
    public IReadOnlyList<IPAddress> BindAddresses { get; init; } = [IPAddress.Any, IPAddress.IPv6Any];

    /// <summary>"host:port" entries to bootstrap from; empty for none. Default: <see cref="PublicBootstrapNodes"/>.</summary>
    public IReadOnlyList<string> BootstrapNodes { get; init; } = PublicBootstrapNodes;

    /// <summary>Our node id; null chooses one (from our external address per BEP 42 once it is known).</summary>
    public NodeId? NodeId { get; init; }

    /// <summary>
    /// The Ed25519 key pair that signs the items stored under string keys
    /// (<see cref="DhtNode.PutAsync(string, ReadOnlyMemory{byte}, CancellationToken)"/>); null generates one per node.
    /// </summary>
    public Ed25519KeyPair? IdentityKey { get; init; }

    /// <summary>BEP 43: send <c>ro=1</c> in queries and answer no queries.</summary>
    public bool ReadOnly { get; init; }

    /// <summary>BEP 42: refuse routing-table entries whose ids do not match their address. Off by default, as in libtorrent.</summary>
    public bool EnforceNodeIdSecurity { get; init; }

    /// <summary>Bucket size and the number of closest nodes a lookup converges on.</summary>
    public int K { get; init; } = 8;

    /// <summary>
    /// The most lookup requests in flight at once. With <see cref="AdaptiveTimeouts"/> a lookup runs
    /// 5 while the nodes lookups ask answer, widening to this as the share that does not reaches 5 %
    /// (dead nodes in the tables). 12: with a fifth of the network dead the simulated lookups
    /// (docs/simulation.md) stay under 600 ms at the median at 10,000 and 20,000 nodes (10: 569 and
    /// 606 ms), at 1.1x the datagrams of alpha 5 with fixed timeouts; with nobody dead they run at 5.
    /// </summary>
    public int Alpha { get; init; } = 12;

    /// <summary>How long a query waits for its answer.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>
    /// Copies of a query sent to one node within <see cref="RequestTimeout"/> while it has not
    /// answered (evenly spaced; the first answer wins). 1 sends each query once, as libtorrent does.
    /// With 20% packet loss each way one copy is lost 36% of the time; the default of 4 (a copy
    /// every 750 ms, well above Internet round trips) leaves 1.7%, and a dead node still costs one
    /// timeout, not four (see docs/node.md for the measurements).
    /// </summary>
    public int QueryAttempts { get; init; } = 4;

    /// <summary>After this long a lookup request stops holding a slot (see <see cref="LookupOptions.SoftTimeout"/>).</summary>
    public TimeSpan SoftTimeout { get; init; } = TimeSpan.FromMilliseconds(750);

    /// <summary>
    /// Time lookups from measured round trips instead of waiting out <see cref="RequestTimeout"/>:
    /// retransmissions go one measured timeout (SRTT + 4 RTTVAR, at least 150 ms) apart, a lookup
    /// request frees its slot after that timeout and is given up (no longer holds the lookup) after
    /// as many of them as the measured loss needs, and a lookup asks one more node past
    /// <see cref="K"/> per node among the closest that did not answer. A dead node among the
    /// closest then costs a few round trips, not the whole request timeout. On by default; off
    /// gives the fixed <see cref="SoftTimeout"/> and evenly spaced copies.
    /// </summary>
    public bool AdaptiveTimeouts { get; init; } = true;

    /// <summary>Most queries awaiting an answer at once; more fail at once instead of queueing.</summary>
    public int MaxPendingQueries { get; init; } = 4096;

    /// <summary>How long an announced peer is kept.</summary>
    public TimeSpan PeerTimeToLive { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>Most peers kept for one infohash.</summary>
    public int MaxPeersPerInfohash { get; init; } = 2_000;

    /// <summary>Most infohashes with stored peers.</summary>
    public int MaxInfohashes { get; init; } = 100_000;

    /// <summary>Bound on the memory the peer store may use, in bytes.</summary>
    public long MaxPeerStoreBytes { get; init; } = 64L * 1024 * 1024;

    /// <summary>
    /// Queries per second one remote address may have answered (bursts of twice that); more are
    /// dropped unanswered. Loopback addresses are not limited. 0 turns the limit off.
    /// </summary>
    public int MaxQueriesPerSecondPerAddress { get; init; } = 100;

    /// <summary>
    /// Token buckets in the per-address query limiter: a power of two, fixed at start, 24 bytes
    /// each (the default, 65,536, takes 1.5 MiB). A public node facing floods from many addresses
    /// wants the default; a node that serves few peers (a simulated one, an embedded client) can
    /// take far fewer. Unused when <see cref="MaxQueriesPerSecondPerAddress"/> is 0.
    /// </summary>
    public int RateLimiterSlots { get; init; } = 65536;

    /// <summary>The clock for every timer and timestamp.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Where the node logs; null for nowhere.</summary>
    public ILoggerFactory? LoggerFactory { get; init; }

    /// <summary>
    /// Where the node's metrics go ("DhtNet.Krpc" and "DhtNet.Mainline" meters: KRPC counters,
    /// routing-table and store gauges, lookup durations by operation); null for none.
    /// </summary>
    public IMeterFactory? MeterFactory { get; init; }

    /// <summary>
    /// Where the node keeps its state across restarts and crashes (for example
    /// <see cref="Persistence.SqliteStateStore"/>): node id, identity key, routing table, the peers and
    /// items other nodes stored on us, and what we keep providing. Null keeps nothing. The node
    /// records into it and flushes it on leaving; the caller owns it and disposes it after the node.
    /// </summary>
    public Persistence.IDhtStateStore? StateStore { get; init; }

    /// <summary>
    /// Most BEP 44 items the node keeps putting (<see cref="DhtNode.StartPutting(ReadOnlyMemory{byte})"/> and its
    /// overloads): one more throws <see cref="InvalidOperationException"/> until one is stopped, and a restore takes
    /// back at most this many. Each costs a lookup and a put every hour.
    /// </summary>
    public int MaxKeptItems { get; init; } = 1_000;

    // Refresh and bootstrap lookups time from their own answers; operations' lookups also start
    // from the node's estimate (Lookups).
    internal LookupOptions LookupOptions => new()
    {
        K = K,
        Alpha = Alpha,
        SoftTimeout = SoftTimeout,
        Adaptive = AdaptiveTimeouts ? new RoundTripTimeouts { Floor = RoundTripFloor } : null,
        ExtraPerFailure = AdaptiveTimeouts ? 2 : 0,
    };

    // No timeout from measured round trips is shorter (TCP's minimum RTO plays the same part).
    internal static TimeSpan RoundTripFloor => TimeSpan.FromMilliseconds(150);

    /// <summary>
    /// Checks every setting as the node's constructor does, so a host can fail at start rather than at
    /// first use. Throws <see cref="ArgumentException"/> (or its subtypes) whose
    /// <see cref="ArgumentException.ParamName"/> is the setting's property name ("Port", "BootstrapNodes").
    /// </summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegative(Port, nameof(Port));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(Port, IPEndPoint.MaxPort, nameof(Port));
        ValidateBindAddresses();
        ArgumentNullException.ThrowIfNull(BootstrapNodes, nameof(BootstrapNodes));
        ArgumentNullException.ThrowIfNull(TimeProvider, nameof(TimeProvider));
        ArgumentOutOfRangeException.ThrowIfLessThan(K, 1, nameof(K));
        ArgumentOutOfRangeException.ThrowIfLessThan(Alpha, 1, nameof(Alpha));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(RequestTimeout, TimeSpan.Zero, nameof(RequestTimeout));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxPendingQueries, 1, nameof(MaxPendingQueries));
        ArgumentOutOfRangeException.ThrowIfLessThan(QueryAttempts, 1, nameof(QueryAttempts));
        ArgumentOutOfRangeException.ThrowIfNegative(MaxQueriesPerSecondPerAddress, nameof(MaxQueriesPerSecondPerAddress));
        if (!int.IsPow2(RateLimiterSlots))
        {
            throw new ArgumentOutOfRangeException(nameof(RateLimiterSlots), RateLimiterSlots, "RateLimiterSlots must be a power of two.");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(SoftTimeout, TimeSpan.Zero, nameof(SoftTimeout));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(PeerTimeToLive, TimeSpan.Zero, nameof(PeerTimeToLive));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxPeersPerInfohash, 1, nameof(MaxPeersPerInfohash));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxInfohashes, 1, nameof(MaxInfohashes));
        ArgumentOutOfRangeException.ThrowIfNegative(MaxKeptItems, nameof(MaxKeptItems));
        long oneFullSwarm = Storage.PeerStore.EstimateSwarmBytes(MaxPeersPerInfohash);
        if (MaxPeerStoreBytes < oneFullSwarm)
        {
            throw new ArgumentOutOfRangeException(
                nameof(MaxPeerStoreBytes), MaxPeerStoreBytes, $"MaxPeerStoreBytes must hold at least one full infohash ({oneFullSwarm} bytes).");
        }

        foreach (var entry in BootstrapNodes)
        {
            _ = HostPort.Parse(entry, nameof(BootstrapNodes));
        }
    }

    // One address per family: the node binds one socket for each.
    private void ValidateBindAddresses()
    {
        ArgumentNullException.ThrowIfNull(BindAddresses, nameof(BindAddresses));
        if (BindAddresses.Count == 0)
        {
            throw new ArgumentException("BindAddresses needs an IPv4 or an IPv6 address (or both).", nameof(BindAddresses));
        }

        if (BindAddresses.Count > 2
            || (BindAddresses.Count == 2 && BindAddresses[0] is { } first && BindAddresses[1] is { } second && first.AddressFamily == second.AddressFamily))
        {
            throw new ArgumentException("BindAddresses takes at most one IPv4 and one IPv6 address.", nameof(BindAddresses));
        }

        foreach (var address in BindAddresses)
        {
            ArgumentNullException.ThrowIfNull(address, nameof(BindAddresses));
        }
    }
}
