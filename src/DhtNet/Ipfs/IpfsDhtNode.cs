using System.Runtime.CompilerServices;
using System.Threading.Channels;
using DhtNet.Internal;
using DhtNet.Ipfs.Messages;
using DhtNet.Ipfs.Peers;
using DhtNet.Ipfs.Providers;
using DhtNet.Ipfs.Records;
using DhtNet.Kademlia;
using DhtNet.LibP2p;
using DhtNet.LibP2p.Multiformats;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace DhtNet.Ipfs;

/// <summary>
/// A node of the IPFS DHT (<c>/ipfs/kad/1.0.0</c>): the shared Kademlia core (table with k = 20, lookup with
/// alpha = 10, refresh and ping-before-evict) over an <see cref="IKadMessenger"/>, with the IPFS operations —
/// closest peers, find peer, find and announce providers, put and get of <c>/pk/</c> and <c>/ipns/</c> records —
/// and the server side answering other peers from its provider and record stores.
/// </summary>
public sealed partial class IpfsDhtNode : IDisposable
{
    private const int BootstrapAttempts = 3;

    // No lookup timeout from measured round trips is shorter (TCP's minimum RTO plays the same part).
    private static readonly TimeSpan RoundTripFloor = TimeSpan.FromMilliseconds(150);

    private readonly IKadMessenger _messenger;
    private readonly IpfsDhtNodeOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly RoutingTable<Key256, IpfsContact> _table;
    private readonly RoutingUpkeep<Key256, IpfsContact> _upkeep;
    private readonly KadRequestHandler _handler;
    private readonly ProviderStore _providers;
    private readonly RecordStore _records;
    private readonly AddressBook _addressBook;
    private readonly ReprovideSchedule _reprovide;
    private readonly LookupOptions _lookupOptions;
    private readonly Key256 _selfKey;
    private readonly RefreshTargets _refreshTargets;
    private readonly CancellationTokenSource _stopping = new();
    private readonly IpfsDhtMetrics _metrics;
    private readonly RequestsTiming _timing = new(RoundTripFloor);
    private readonly IpfsState? _state;
    private readonly IpnsPublisher _ipns;
    private ITimer? _housekeeping;

    /// <param name="messenger">How requests reach other peers.</param>
    /// <param name="options">Parameters; null for the IPFS defaults.</param>
    /// <param name="time">The clock for every timer and timestamp.</param>
    /// <param name="logger">Where background failures go.</param>
    public IpfsDhtNode(IKadMessenger messenger, IpfsDhtNodeOptions? options = null, TimeProvider? time = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(messenger);
        _options = options ?? new IpfsDhtNodeOptions();
        _options.Validate();
        _messenger = new TracedKadMessenger(messenger);
        _time = time ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
        _selfKey = IpfsContact.KeyOf(messenger.Self);
        _refreshTargets = new RefreshTargets(_selfKey, _options.Random ?? new Random());
        _lookupOptions = _options.Lookup;
        _table = new RoutingTable<Key256, IpfsContact>(_selfKey, new IpfsRoutingPolicy(messenger), _time, new RoutingTableOptions
        {
            BucketSize = _options.BucketSize,
            ReplacementCacheSize = _options.BucketSize,
            FreshnessInterval = _options.FreshnessInterval,
            Random = _options.Random,
        });
        _upkeep = new RoutingUpkeep<Key256, IpfsContact>(_table, new Network(this), _time, new RoutingUpkeepOptions { Lookup = _lookupOptions }, _logger);
        _providers = new ProviderStore(_options.Providers, _time);
        _records = new RecordStore(_options.Validator, _options.Records, _time);
        _addressBook = new AddressBook(_time);
        _reprovide = new ReprovideSchedule(_time, _options.ReprovideInterval);
        _handler = new KadRequestHandler(messenger.Self, () => messenger.SelfAddresses, ClosestPeers, _providers, _records, _addressBook, _options.BucketSize);
        _metrics = new IpfsDhtMetrics(_options.MeterFactory, this);
        if (_options.IdentityKey is { } identity && identity.PeerId != messenger.Self)
        {
            throw new ArgumentException("IdentityKey is not the key of the messenger's peer id.", nameof(options));
        }

        _ipns = new IpnsPublisher(_time, _options.IdentityKey, _options.MaxPublishedNames);
        if (_options.StateStore is { } store)
        {
            _state = new IpfsState(store, _time, _options);
            _state.Attach(_providers, _records, _reprovide, _ipns);
            _upkeep.NodeAdded += _state.ContactAdded;
        }
    }

    /// <summary>This node's peer id.</summary>
    public PeerId PeerId => _messenger.Self;

    /// <summary>The parameters this node runs with.</summary>
    public IpfsDhtNodeOptions Options => _options;

    /// <summary>This node's place in the keyspace.</summary>
    public Key256 Key => _selfKey;

    /// <summary>True when the node queries but does not serve (see <see cref="IpfsDhtNodeOptions.ClientMode"/>).</summary>
    public bool ClientMode => _options.ClientMode;

    /// <summary>The routing table (DHT servers only).</summary>
    public RoutingTable<Key256, IpfsContact> Table => _table;

    /// <summary>Provider records this node keeps for others (and for itself).</summary>
    public ProviderStore Providers => _providers;

    /// <summary>Value records this node keeps.</summary>
    public RecordStore Records => _records;

    /// <summary>Peers' addresses as this node knows them now (tests look at what aged out).</summary>
    internal AddressBook Addresses => _addressBook;

    /// <summary>A peer took a slot in the routing table.</summary>
    public event Action<IpfsContact>? PeerAdded
    {
        add => _upkeep.NodeAdded += value;
        remove => _upkeep.NodeAdded -= value;
    }

    /// <summary>
    /// Starts bucket refresh and the reprovide, republish and purge timer. Call once; with a
    /// <see cref="IpfsDhtNodeOptions.StateStore"/>, call <see cref="StartAsync"/> (or <see cref="RestoreStateAsync"/> first).
    /// </summary>
    public void Start()
    {
        if (_state is not null && _restore is not { IsCompletedSuccessfully: true })
        {
            throw new InvalidOperationException("The node has a state store: start it with StartAsync, or restore its state with RestoreStateAsync before Start.");
        }

        _upkeep.Start();
        _housekeeping = _time.CreateTimer(static s => ((IpfsDhtNode)s!).Housekeeping(), this, _options.HousekeepingInterval, _options.HousekeepingInterval);
    }

    /// <summary>
    /// Answers one inbound request (the messenger's server side calls this): a DHT server that asks
    /// enters the table, and its addresses are remembered. Client-mode nodes reset every request.
    /// </summary>
    public KadHandlerResult HandleRequest(KadMessage request, PeerId sender, IReadOnlyList<Multiaddr> senderAddresses)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(senderAddresses);
        if (_options.ClientMode)
        {
            return KadHandlerResult.Reset;
        }

        if (senderAddresses.Count > 0)
        {
            // The sender's own listen addresses: they replace whatever others said of it.
            _addressBook.Replace(sender, senderAddresses);
            if (_messenger.IsDhtServer(sender))
            {
                _upkeep.ReportQuery(IpfsContact.From(new PeerInfo(sender, senderAddresses)));
            }
        }

        _metrics.RequestServed(request.Type);
        return _handler.Handle(request, sender, senderAddresses);
    }

    /// <summary>
    /// Offers a peer that identify showed serving <c>/ipfs/kad/1.0.0</c> to the routing table (go-libp2p-kad-dht
    /// adds peers the same way); true when it took a slot or was already there.
    /// </summary>
    public bool AddPeer(PeerInfo peer)
    {
        ArgumentNullException.ThrowIfNull(peer);
        if (peer.Id == _messenger.Self || peer.Multiaddrs.Count == 0)
        {
            return false;
        }

        _addressBook.Replace(peer.Id, peer.Multiaddrs);
        _upkeep.ReportQuery(IpfsContact.From(peer));
        return _table.Contains(IpfsContact.KeyOf(peer.Id));
    }

    /// <summary>
    /// Joins the network: a lookup of our own id from <paramref name="seeds"/> (or, when null, the
    /// <see cref="IpfsDhtNodeOptions.BootstrapPeers"/>), filling the table with the peers that answer.
    /// </summary>
    public async Task<IReadOnlyList<PeerInfo>> BootstrapAsync(IEnumerable<PeerInfo>? seeds = null, CancellationToken cancellationToken = default)
    {
        var contacts = seeds?.Select(IpfsContact.From).ToArray();
        LookupResult<IpfsContact> result;
        int attempt = 0;
        do
        {
            // A lookup where no one answered (the seeds' replies lost or late) is tried again a few times.
            result = await _upkeep.BootstrapAsync(WithRestoredContacts(contacts), cancellationToken).ConfigureAwait(false);
        }
        while (result.ClosestNodes.Count == 0 && ++attempt < BootstrapAttempts);

        Joined();

        return ToPeers(result.ClosestNodes);
    }

    /// <summary>The k peers closest to <paramref name="key"/> (hashed with SHA-256, as every kad key is) that answered, closest first.</summary>
    public async Task<IReadOnlyList<PeerInfo>> QueryAsync(ReadOnlyMemory<byte> key, CancellationToken cancellationToken = default)
    {
        ThrowIfEmpty(key);
        var result = await LookupAsync(key, KadMessageType.FindNode, null, cancellationToken).ConfigureAwait(false);
        return ToPeers(result.ClosestNodes);
    }

    /// <summary>The k peers closest to <paramref name="peer"/> that answered, closest first.</summary>
    public Task<IReadOnlyList<PeerInfo>> QueryAsync(PeerId peer, CancellationToken cancellationToken = default) =>
        QueryAsync(NonEmpty(peer).Bytes, cancellationToken);

    /// <summary>
    /// The addresses of <paramref name="peer"/>: those it gave us itself while still fresh (it asked us something, or
    /// identify or an answer of its own named them), else from a lookup that ends when the peer itself answers (its
    /// reply names its own addresses, which outrank what others say of it). When it never answers: the addresses
    /// others reported, or those the routing table last reached it at. Null when none are known.
    /// </summary>
    public async Task<PeerInfo?> FindPeerAsync(PeerId peer, CancellationToken cancellationToken = default)
    {
        NonEmpty(peer);
        if (_addressBook.GetOwn(peer) is { Count: > 0 } own)
        {
            return new PeerInfo(peer, own);
        }

        PeerInfo? found = null;
        await LookupAsync(peer.Bytes, KadMessageType.FindNode, (contact, reply) =>
        {
            if (contact.Peer.Id != peer)
            {
                return false;
            }

            // CloserContacts took the peer's own entry in its reply as first-hand; the book now holds those addresses.
            var own = _addressBook.GetOwn(peer);
            found = own.Count > 0 ? new PeerInfo(peer, own) : contact.Peer;
            return true;
        }, cancellationToken).ConfigureAwait(false);
        if (found is null && _addressBook.Get(peer) is { Count: > 0 } reported)
        {
            found = new PeerInfo(peer, reported);
        }

        return found ?? FromTable(peer);
    }

    /// <summary>Who provides <paramref name="cid"/> (its multihash is the key), streamed as they are found.</summary>
    public IAsyncEnumerable<PeerInfo> FindProvidersAsync(Cid cid, int maxProviders = 20, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(cid);
        return FindProvidersAsync(cid.Multihash, maxProviders, timeout, cancellationToken);
    }

    /// <summary>Who provides the content of <paramref name="multihash"/>, streamed as they are found; stops at <paramref name="maxProviders"/> or <paramref name="timeout"/>.</summary>
    public async IAsyncEnumerable<PeerInfo> FindProvidersAsync(Multihash multihash, int maxProviders = 20, TimeSpan? timeout = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(multihash);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxProviders, 1);
        var key = multihash.Bytes;
        // The timeout runs on the node's clock, so that it is virtual time under a simulation.
        using var expiry = new CancellationTokenSource(timeout ?? Timeout.InfiniteTimeSpan, _time);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stopping.Token, expiry.Token);

        // The lookup pushes; the caller pulls. Writes stop at maxProviders, so the channel holds at most that many.
        // Synchronous continuations hand a provider to the reader on the thread that found it (the writes happen
        // outside any lock), which also keeps a virtual-clock run deterministic.
        var found = Channel.CreateUnbounded<PeerInfo>(new UnboundedChannelOptions { SingleReader = true, AllowSynchronousContinuations = true });
        var seen = new HashSet<PeerId>();
        bool Offer(PeerInfo provider)
        {
            bool last;
            lock (seen)
            {
                if (seen.Count >= maxProviders || !seen.Add(provider.Id))
                {
                    return seen.Count >= maxProviders;
                }

                last = seen.Count >= maxProviders;
            }

            found.Writer.TryWrite(provider);
            if (last)
            {
                found.Writer.TryComplete();
            }

            return last;
        }

        foreach (var local in _providers.Get(key.Span))
        {
            Offer(WithoutPeerIds(local));
        }

        var lookup = seen.Count >= maxProviders ? Task.CompletedTask : LookupAsync(key, KadMessageType.GetProviders, (_, reply) =>
        {
            bool enough = false;
            foreach (var entry in reply.ProviderPeers)
            {
                if (entry.TryToPeerInfo(out var provider))
                {
                    enough |= Offer(WithoutPeerIds(provider));
                }
            }

            return enough;
        }, deadline.Token);
        lookup.ContinueWith(static (_, w) => ((ChannelWriter<PeerInfo>)w!).TryComplete(), found.Writer, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default).Observe(_logger, "findprovs");
        lookup.Observe(_logger, "findprovs lookup");
        var reader = found.Reader;
        while (true)
        {
            PeerInfo? next;
            try
            {
                if (!await reader.WaitToReadAsync(deadline.Token).ConfigureAwait(false))
                {
                    yield break;
                }

                if (!reader.TryRead(out next))
                {
                    continue;
                }
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // The timeout ends the stream quietly, with what was found; the caller's cancellation throws.
                yield break;
            }

            yield return next;
        }
    }

    /// <summary>Announces that this node provides <paramref name="cid"/> to the k peers closest to its multihash; re-announced every <see cref="IpfsDhtNodeOptions.ReprovideInterval"/>. Returns how many peers took the announcement.</summary>
    public Task<int> ProvideAsync(Cid cid, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(cid);
        var key = cid.Multihash.Bytes.ToArray();
        _reprovide.Add(key);
        return ProvideKeyAsync(key, cancellationToken);
    }

    /// <summary>Announces several CIDs (one after another, each to its own closest peers); the total of peers that took them.</summary>
    public async Task<int> ProvideAsync(IEnumerable<Cid> cids, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(cids);
        int total = 0;
        foreach (var cid in cids)
        {
            total += await ProvideAsync(cid, cancellationToken).ConfigureAwait(false);
        }

        return total;
    }

    /// <summary>
    /// Stores a record (<c>/pk/…</c>, <c>/ipns/…</c>) here and on the k peers closest to its key; returns how many
    /// peers stored it. Throws <see cref="ArgumentException"/> when the validator refuses it.
    /// </summary>
    public async Task<int> PutAsync(ReadOnlyMemory<byte> key, ReadOnlyMemory<byte> value, CancellationToken cancellationToken = default)
    {
        ThrowIfEmpty(key);
        if (!_options.Validator.TryValidate(key.Span, value.Span, _time.GetUtcNow(), out var error))
        {
            throw new ArgumentException($"The record is not valid for its key: {error}", nameof(value));
        }

        _records.Put(key.Span, value.Span);
        var closest = await LookupAsync(key, KadMessageType.FindNode, null, cancellationToken).ConfigureAwait(false);
        return await PutToAsync(closest.ClosestNodes, key, value, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The best valid record for <paramref name="key"/> among those this node and the closest peers hold
    /// (the validator chooses); peers that returned an older one, or none, get the best. Null when none has one.
    /// </summary>
    public async Task<byte[]?> GetAsync(ReadOnlyMemory<byte> key, CancellationToken cancellationToken = default)
    {
        ThrowIfEmpty(key);
        var values = new List<ReadOnlyMemory<byte>>();
        var holders = new List<(IpfsContact Peer, int Value)>();
        if (_records.Get(key.Span) is { } local)
        {
            values.Add(local.Value);
        }

        var now = _time.GetUtcNow();
        var result = await LookupAsync(key, KadMessageType.GetValue, (contact, reply) =>
        {
            lock (values)
            {
                int index = -1;
                if (reply.Record is { } record && record.Key.Span.SequenceEqual(key.Span) && _options.Validator.TryValidate(key.Span, record.Value.Span, now, out _))
                {
                    index = values.FindIndex(v => v.Span.SequenceEqual(record.Value.Span));
                    if (index < 0)
                    {
                        index = values.Count;
                        values.Add(record.Value.ToArray());
                    }
                }

                holders.Add((contact, index));
                return values.Count >= _options.GetQuorum;
            }
        }, cancellationToken).ConfigureAwait(false);

        lock (values)
        {
            if (values.Count == 0)
            {
                return null;
            }
        }

        int best = _options.Validator.Select(key.Span, values);
        var bestValue = values[best];
        _records.Put(key.Span, bestValue.Span);

        // Correct the closest peers that answered with an older record or none (go-libp2p-kad-dht does the same).
        var stale = new List<IpfsContact>();
        var answeredWithBest = holders.Where(h => h.Value == best).Select(h => h.Peer.Id).ToHashSet();
        foreach (var contact in result.ClosestNodes)
        {
            if (!answeredWithBest.Contains(contact.Id))
            {
                stale.Add(contact);
            }
        }

        if (stale.Count > 0)
        {
            await PutToAsync(stale, key, bestValue, cancellationToken).ConfigureAwait(false);
        }

        return bestValue.ToArray();
    }

    /// <summary>Stops the timers and the lookups this node runs.</summary>
    public void Dispose()
    {
        _housekeeping?.Dispose();
        SaveContacts();
        _state?.Dispose(); // the store's next flush records what the journals hold and forgets them
        _stopping.Cancel();
        _upkeep.Dispose();
        _stopping.Dispose();
    }

    private async Task<int> ProvideKeyAsync(byte[] key, CancellationToken cancellationToken)
    {
        var self = new PeerInfo(_messenger.Self, _messenger.SelfAddresses);
        if (self.Multiaddrs.Count > 0)
        {
            _providers.Add(key, self);
        }

        var closest = await LookupAsync(key, KadMessageType.FindNode, null, cancellationToken).ConfigureAwait(false);
        var message = new KadMessage { Type = KadMessageType.AddProvider, Key = key, ProviderPeers = [KadPeer.FromPeerInfo(self)] };
        var sends = new Task<bool>[closest.ClosestNodes.Count];
        for (int i = 0; i < sends.Length; i++)
        {
            sends[i] = _messenger.SendMessageAsync(closest.ClosestNodes[i].Peer, message, cancellationToken);
        }

        var delivered = await Task.WhenAll(sends).ConfigureAwait(false);
        return delivered.Count(d => d);
    }

    private async Task<int> PutToAsync(IReadOnlyList<IpfsContact> peers, ReadOnlyMemory<byte> key, ReadOnlyMemory<byte> value, CancellationToken cancellationToken)
    {
        var request = new KadMessage { Type = KadMessageType.PutValue, Key = key, Record = new KadRecord(key, value) };
        var puts = new Task<KadMessage?>[peers.Count];
        for (int i = 0; i < puts.Length; i++)
        {
            puts[i] = RequestAsync(peers[i], request, cancellationToken);
        }

        var replies = await Task.WhenAll(puts).ConfigureAwait(false);
        return replies.Count(r => r is { Type: KadMessageType.PutValue });
    }

    /// <summary>
    /// One iterative lookup for <paramref name="key"/>: every peer is asked <paramref name="type"/>, its closer
    /// peers become candidates, and <paramref name="onReply"/> (when given) sees every answer and may end the lookup.
    /// </summary>
    private Task<LookupResult<IpfsContact>> LookupAsync(ReadOnlyMemory<byte> key, KadMessageType type, Func<IpfsContact, KadMessage, bool>? onReply, CancellationToken cancellationToken)
    {
        var target = Key256.Sha256(key.Span);
        var request = new KadMessage { Type = type, Key = key };
        _metrics.LookupStarted();
        IterativeLookup<Key256, IpfsContact>? lookup = null;
        lookup = new IterativeLookup<Key256, IpfsContact>(target, async (contact, ct) =>
        {
            var reply = await RequestAsync(contact, request, ct).ConfigureAwait(false);
            if (reply is null)
            {
                return LookupReply<IpfsContact>.NoAnswer;
            }

            // The closer peers' addresses reach the address book before onReply looks.
            var closer = CloserContacts(contact.Peer.Id, reply);
            if (onReply is not null && onReply(contact, reply))
            {
                lookup!.StopAfterReply();
            }

            return LookupReply<IpfsContact>.From(closer);
        }, LookupOptionsNow(), _time, excluded: _selfKey);
        lookup.AddCandidates(_table.FindClosest(target, _options.BucketSize * 2).Select(Current));
        return RunLinkedAsync(lookup, cancellationToken);
    }

    /// <summary>
    /// The options a lookup starting now runs with: with <see cref="IpfsDhtNodeOptions.AdaptiveTimeouts"/> on a
    /// clean path, timeouts from this node's measured round trips (a dead peer is given up after one
    /// SRTT + 4 RTTVAR, its slot freed sooner), as Mainline's lookups time theirs. A retry here waits out the
    /// messenger's whole timeout first, so on a path that lost requests to live peers lately no give-up time
    /// covers one: the lookup then waits for every request's own outcome.
    /// </summary>
    private LookupOptions LookupOptionsNow() =>
        _options.AdaptiveTimeouts && _timing.IsClean
            ? _lookupOptions with { Adaptive = _timing.LookupTimeouts(1), ExtraPerFailure = _options.LookupExtraPerFailure }
            : _lookupOptions;

    private async Task<LookupResult<IpfsContact>> RunLinkedAsync(IterativeLookup<Key256, IpfsContact> lookup, CancellationToken cancellationToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stopping.Token);
        var result = await lookup.RunAsync(linked.Token).ConfigureAwait(false);
        var statistics = result.Statistics;
        _timing.LookupCompleted(statistics.Queried - statistics.Abandoned, statistics.TimedOut - statistics.Abandoned);
        return result;
    }

    /// <summary>
    /// Sends one request, tried again after a growing wait when no answer comes (up to
    /// <see cref="IpfsDhtNodeOptions.RequestAttempts"/> tries), and reports its outcome through the funnel, exactly once.
    /// </summary>
    private async Task<KadMessage?> RequestAsync(IpfsContact contact, KadMessage request, CancellationToken cancellationToken)
    {
        KadMessage? reply = null;
        long started = 0;
        var backoff = _options.RetryBackoff;
        var to = contact;
        int attempt = 0;
        try
        {
            for (; attempt < _options.RequestAttempts; attempt++)
            {
                if (attempt > 0)
                {
                    await Task.Delay(backoff, _time, cancellationToken).ConfigureAwait(false);
                    backoff *= 2;
                }

                // A retry goes to the addresses known by then: a lookup may meanwhile have heard where the peer moved.
                to = attempt == 0 ? contact : Current(contact);
                started = _time.GetTimestamp();
                reply = await _messenger.SendRequestAsync(to.Peer, request, cancellationToken).ConfigureAwait(false);
                if (reply is not null)
                {
                    break;
                }
            }
        }
        catch (OperationCanceledException)
        {
            _upkeep.Report(contact, RequestOutcome.Inconclusive);
            return null;
        }

        if (reply is null)
        {
            _upkeep.Report(contact, RequestOutcome.TimedOut);
            return null;
        }

        // The table keeps the addresses that answered; a retry that was answered means a live peer lost one.
        var roundTrip = _time.GetElapsedTime(started);
        _timing.Answered(attempt, roundTrip);
        _upkeep.Report(to, RequestOutcome.Answered(roundTrip));
        return reply;
    }

    /// <summary>The peer as the routing table last reached it, when it is there.</summary>
    private PeerInfo? FromTable(PeerId peer)
    {
        var key = IpfsContact.KeyOf(peer);
        foreach (var known in _table.FindClosest(key, 1))
        {
            if (known.Id == key && known.Peer.Multiaddrs.Count > 0)
            {
                return known.Peer;
            }
        }

        return null;
    }

    private List<IpfsContact> CloserContacts(PeerId from, KadMessage reply)
    {
        var contacts = new List<IpfsContact>(reply.CloserPeers.Count);
        foreach (var closer in reply.CloserPeers)
        {
            // A peer without addresses cannot be dialled; our own id is no candidate.
            if (closer.TryToPeerInfo(out var peer) && peer.Multiaddrs.Count > 0 && peer.Id != _messenger.Self)
            {
                var info = WithoutPeerIds(peer);
                if (info.Id == from)
                {
                    // The responder naming itself (it does when asked for its own id): first-hand addresses.
                    _addressBook.Replace(info.Id, info.Multiaddrs);
                }
                else
                {
                    _addressBook.Add(info.Id, info.Multiaddrs);
                }

                contacts.Add(Current(IpfsContact.From(info)));
            }
        }

        return contacts;
    }

    private IReadOnlyList<PeerInfo> ClosestPeers(ReadOnlySpan<byte> kademliaKey, int count)
    {
        var closest = _table.FindClosest(new Key256(kademliaKey), count);
        var peers = new PeerInfo[closest.Length];
        for (int i = 0; i < peers.Length; i++)
        {
            peers[i] = Current(closest[i]).Peer;
        }

        return peers;
    }

    /// <summary>
    /// The contact with the addresses the address book holds for it now (the peer's own list while fresh, else
    /// what others reported, each until it expires); as the table has it when the book knows none.
    /// </summary>
    private IpfsContact Current(IpfsContact contact)
    {
        var addresses = _addressBook.Get(contact.Peer.Id);
        return addresses.Count == 0 || SameAddresses(addresses, contact.Peer.Multiaddrs) ? contact : contact with { Peer = contact.Peer with { Multiaddrs = addresses } };
    }

    private static bool SameAddresses(IReadOnlyList<Multiaddr> a, IReadOnlyList<Multiaddr> b)
    {
        if (a.Count != b.Count)
        {
            return false;
        }

        for (int i = 0; i < a.Count; i++)
        {
            if (a[i] != b[i])
            {
                return false;
            }
        }

        return true;
    }

    private void Housekeeping()
    {
        _providers.Purge();
        _records.Purge();
        _addressBook.Purge();
        foreach (var key in _reprovide.TakeDue(64))
        {
            ReprovideAsync(key.ToArray()).Observe(_logger, "reprovide");
        }

        RepublishDue();
        SaveContacts();
        ForgetRestoredContacts();
    }

    private async Task ReprovideAsync(byte[] key)
    {
        if (await ProvideKeyAsync(key, _stopping.Token).ConfigureAwait(false) == 0)
        {
            _reprovide.Retry(key, TimeSpan.FromMinutes(5));
        }
    }

    private static IReadOnlyList<PeerInfo> ToPeers(IReadOnlyList<IpfsContact> contacts)
    {
        var peers = new PeerInfo[contacts.Count];
        for (int i = 0; i < peers.Length; i++)
        {
            peers[i] = contacts[i].Peer;
        }

        return peers;
    }

    /// <summary>The peer with its addresses as <see cref="PeerInfo"/> keeps them: without a trailing <c>/p2p/</c> (js sends it).</summary>
    private static PeerInfo WithoutPeerIds(PeerInfo peer)
    {
        foreach (var address in peer.Multiaddrs)
        {
            if (address.PeerId is not null)
            {
                return peer with { Multiaddrs = [.. peer.Multiaddrs.Select(a => a.PeerId is null ? a : a.WithoutPeerId()).Distinct()] };
            }
        }

        return peer;
    }

    private static void ThrowIfEmpty(ReadOnlyMemory<byte> key)
    {
        if (key.IsEmpty)
        {
            throw new ArgumentException("The key is empty.", nameof(key));
        }
    }

    private static PeerId NonEmpty(PeerId peer) => peer.IsEmpty ? throw new ArgumentException("The peer id is empty.", nameof(peer)) : peer;

    /// <summary>A peer enters the table only when it serves the DHT (identify listed /ipfs/kad/1.0.0).</summary>
    private sealed class IpfsRoutingPolicy(IKadMessenger messenger) : IRoutingPolicy<Key256, IpfsContact>
    {
        public IEqualityComparer<IpfsContact>? AddressComparer => null;

        public ContactCheck Check(ref IpfsContact contact) => contact.Peer.Multiaddrs.Count > 0 ? ContactCheck.Usable : ContactCheck.UnusableAddress;

        public ContactAdmission Admit(in IpfsContact contact) => messenger.IsDhtServer(contact.Peer.Id) ? ContactAdmission.Admitted : ContactAdmission.Refused;
    }

    /// <summary>What the routing upkeep sends: FIND_NODE for bootstrap and refresh, PING before eviction.</summary>
    private sealed class Network(IpfsDhtNode node) : IRoutingNetwork<Key256, IpfsContact>
    {
        public LookupRequest<IpfsContact> FindNode(Key256 target)
        {
            var request = new KadMessage { Type = KadMessageType.FindNode, Key = node.KeyFor(target) };
            return async (contact, ct) =>
            {
                var reply = await node.RequestAsync(contact, request, ct).ConfigureAwait(false);
                return reply is null ? LookupReply<IpfsContact>.NoAnswer : LookupReply<IpfsContact>.From(node.CloserContacts(contact.Peer.Id, reply));
            };
        }

        public async Task PingAsync(IpfsContact contact, CancellationToken cancellationToken) =>
            await node.RequestAsync(contact, new KadMessage { Type = KadMessageType.Ping }, cancellationToken).ConfigureAwait(false);

        public Task<IReadOnlyList<IpfsContact>> GetBootstrapContactsAsync(CancellationToken cancellationToken)
        {
            var contacts = new List<IpfsContact>(node.RestoredContacts());
            foreach (var address in node._options.BootstrapPeers)
            {
                if (address.PeerId is { } peer)
                {
                    contacts.Add(IpfsContact.From(new PeerInfo(peer, [address.WithoutPeerId()])));
                }
            }

            return Task.FromResult<IReadOnlyList<IpfsContact>>(contacts);
        }
    }

    /// <summary>
    /// The key bytes a FIND_NODE sends for a Kademlia target: our own id for our own key; for a refresh target
    /// (the wire carries a preimage, not a hash) a multihash from the prefix table whose SHA-256 lies in the
    /// bucket being refreshed.
    /// </summary>
    private byte[] KeyFor(Key256 target) => target == _selfKey ? _messenger.Self.Bytes.ToArray() : _refreshTargets.KeyFor(target);
}
