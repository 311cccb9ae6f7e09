using System.Buffers;
using DhtNet.Ipfs;
using DhtNet.Ipfs.Messages;
using DhtNet.Kademlia;
using DhtNet.LibP2p;
using DhtNet.LibP2p.Crypto;

namespace DhtNet.Simulation;

/// <summary>
/// Many <see cref="IpfsDhtNode"/>s on one in-memory kad network under a <see cref="VirtualTimeProvider"/>:
/// every request and reply is encoded and decoded as on the wire, delivered after the one-way delay
/// of <see cref="DhtSimulationOptions"/> (latency, jitter, per-link latency), and lost at its loss rate.
/// A request to a peer that is offline, or whose request or reply is lost, costs the sender
/// <see cref="RequestTimeout"/>, as a stream that never answers does. Not thread-safe: drive it from one thread.
/// </summary>
public sealed class IpfsSimulation
{
    private readonly DhtSimulationOptions _options;
    private readonly Random _network;
    private readonly List<IpfsDhtNode> _nodes = [];
    private readonly Dictionary<PeerId, Member> _members = [];
    private readonly List<IpfsDhtNode> _online = []; // for drawing bootstrap peers and leavers without a scan
    private readonly Random _lies;

    public IpfsSimulation(DhtSimulationOptions? options = null)
    {
        _options = options ?? new DhtSimulationOptions();
        _options.Validate();
        Random = new Random(_options.Seed);
        _network = new Random(_options.Seed ^ 0x1F5);
        _lies = new Random(_options.Seed ^ 0x11E);
    }

    /// <summary>The clock every node runs on.</summary>
    public VirtualTimeProvider Clock { get; } = new();

    /// <summary>The seeded source of keys and choices.</summary>
    public Random Random { get; }

    /// <summary>What a request costs that gets no answer (offline peer, lost request or reply).</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>The DHT servers, in the order they joined.</summary>
    public IReadOnlyList<IpfsDhtNode> Nodes => _nodes;

    /// <summary>
    /// Whether the servers' lookups time from measured round trips (<see cref="IpfsDhtNodeOptions.AdaptiveTimeouts"/>);
    /// only without loss (<see cref="DhtSimulationOptions.LossRate"/> 0), where a peer that does not answer is one that is gone.
    /// </summary>
    public bool AdaptiveTimeouts { get; init; } = true;

    /// <summary>Requests sent so far (lost ones included).</summary>
    public long Requests { get; private set; }

    /// <summary>Called for every request a node sends: the sender, the peer asked, the request, and the virtual time it left.</summary>
    public Action<IpfsDhtNode, PeerId, KadMessage>? RequestSent { get; set; }

    /// <summary>Called for every answered request: the sender and the round trip.</summary>
    public Action<IpfsDhtNode, TimeSpan>? Answered { get; set; }

    /// <summary>
    /// Starts <paramref name="count"/> DHT servers one after another, each joining through a random
    /// online server already running (a lookup of its own id), as a peer joins through a bootstrap peer.
    /// </summary>
    public void AddNodes(int count, IProgress<int>? progress = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        for (int i = 0; i < count; i++)
        {
            AddNode();
            progress?.Report(i + 1);
        }
    }

    /// <summary>Starts one DHT server that joins through a random online one (none for the first); <paramref name="start"/> also starts its refresh timers.</summary>
    public IpfsDhtNode AddNode(bool start = false)
    {
        var seed = new byte[32];
        Random.NextBytes(seed);
        var key = Ed25519PrivateKey.FromSeed(seed);
        int index = _nodes.Count;
        var peer = PeerId.FromPublicKey(key.PublicKey);
        var address = Multiaddr.Parse($"/ip4/10.{(index >> 16) & 255}.{(index >> 8) & 255}.{index & 255}/tcp/4001");
        var member = new Member(this, peer, [address], (ulong)index);
        var node = new IpfsDhtNode(member, new IpfsDhtNodeOptions
        {
            Random = new Random(Random.Next()),
            LookupSoftTimeout = TimeSpan.FromSeconds(1),
            AdaptiveTimeouts = AdaptiveTimeouts && _options.LossRate == 0,
        }, Clock);
        member.Node = node;
        _members.Add(peer, member);
        var via = PickOnline();
        _nodes.Add(node);
        _online.Add(node);
        if (start)
        {
            node.Start();
        }

        if (via is not null)
        {
            Run(node.BootstrapAsync([new PeerInfo(via.PeerId, _members[via.PeerId].Addresses)]));
        }

        return node;
    }

    /// <summary>Takes a random <paramref name="fraction"/> of the online nodes (never <paramref name="except"/>) off the network unannounced.</summary>
    public IReadOnlyList<IpfsDhtNode> SetOffline(double fraction, IpfsDhtNode? except = null)
    {
        var dead = VirtualRun.Share(_nodes.Where(n => n != except && IsOnline(n)), fraction, Random);
        foreach (var node in dead)
        {
            TakeOffline(node);
        }

        return dead;
    }

    /// <summary>
    /// Makes a random <paramref name="fraction"/> of the online honest servers (never <paramref name="except"/>)
    /// lie as <paramref name="behaviour"/> says from now on: <see cref="Liar.DropQueries"/> answers nothing (its
    /// own requests still go out), <see cref="Liar.RandomFarNodes"/> answers every request with random servers of
    /// the network as its closer peers and no providers or record. The lie is made on the wire; the node is unchanged.
    /// </summary>
    public IReadOnlyList<IpfsDhtNode> SetLiars(double fraction, Liar behaviour, IpfsDhtNode? except = null)
    {
        if (behaviour is not (Liar.DropQueries or Liar.RandomFarNodes))
        {
            throw new ArgumentOutOfRangeException(nameof(behaviour), behaviour, "Unknown liar.");
        }

        var liars = VirtualRun.Share(_nodes.Where(n => n != except && IsOnline(n) && _members[n.PeerId].Lie is null), fraction, Random);
        foreach (var node in liars)
        {
            _members[node.PeerId].Lie = behaviour;
        }

        return liars;
    }

    /// <summary>
    /// Servers leave and join at the rates of <paramref name="churn"/> (never <paramref name="except"/>): leaving
    /// ones go off the network unannounced, joining ones bootstrap through a random online server. With
    /// <see cref="ChurnOptions.Refresh"/> every server's refresh and housekeeping timers run (they are started
    /// here, and keep running) while the virtual clock moves through the duration. Reports the virtual
    /// seconds passed to <paramref name="progress"/>.
    /// </summary>
    /// <returns>How many servers left and joined.</returns>
    public (int Left, int Joined) Churn(ChurnOptions churn, IpfsDhtNode? except = null, IProgress<int>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(churn);
        churn.Validate();
        if (churn.Refresh)
        {
            foreach (var node in _nodes.Where(n => !_members[n.PeerId].Started))
            {
                _members[node.PeerId].Started = true;
                node.Start();
            }
        }

        return VirtualRun.Churn(Clock, churn, _online.Count, () => LeaveOne(except), () =>
        {
            var node = AddNode(start: churn.Refresh);
            _members[node.PeerId].Started = churn.Refresh;
        }, progress);
    }

    private void LeaveOne(IpfsDhtNode? except)
    {
        // Draw until a node other than except comes up (one draw unless except is drawn).
        for (int tries = 0; tries < 64 && _online.Count > 0; tries++)
        {
            var node = _online[Random.Next(_online.Count)];
            if (node != except)
            {
                TakeOffline(node);
                return;
            }
        }
    }

    /// <summary>Whether <paramref name="node"/> is on the network (not taken off by <see cref="SetOffline"/> or <see cref="Churn"/>).</summary>
    public bool IsOnline(IpfsDhtNode node)
    {
        ArgumentNullException.ThrowIfNull(node);
        return _members[node.PeerId].Online;
    }

    /// <summary>Whether <paramref name="node"/> answers requests: online, and not a liar that drops them.</summary>
    public bool Answers(IpfsDhtNode node) => IsOnline(node) && _members[node.PeerId].Lie != Liar.DropQueries;

    /// <summary>The <paramref name="count"/> servers that answer closest to the kad key <paramref name="key"/>, closest first (never <paramref name="except"/>).</summary>
    public IReadOnlyList<PeerId> TrueClosest(ReadOnlySpan<byte> key, int count, IpfsDhtNode? except = null)
    {
        var target = Key256.Sha256(key);
        return _nodes.Where(n => n != except && Answers(n)).OrderBy(n => n.Key.Xor(target)).Take(count).Select(n => n.PeerId).ToArray();
    }

    /// <summary>Advances the virtual clock by <paramref name="delta"/>, running everything due on the way.</summary>
    public void Advance(TimeSpan delta) => VirtualRun.Advance(Clock, delta);

    /// <summary>Advances the virtual clock until <paramref name="task"/> completes and returns its result.</summary>
    public T Run<T>(Task<T> task)
    {
        VirtualRun.Until(Clock, task);
        return task.GetAwaiter().GetResult();
    }

    private TimeSpan OneWay(Member from, Member to)
    {
        var delay = _options.Latency;
        if (_options.Jitter > TimeSpan.Zero)
        {
            delay += TimeSpan.FromTicks(_network.NextInt64(_options.Jitter.Ticks + 1));
        }

        if (_options.LinkLatency is { } link)
        {
            delay += link(LinkLatency.Quantile(_options.Seed, from.LinkKey, to.LinkKey));
        }

        return delay;
    }

    private bool Lost() => _options.LossRate > 0 && _network.NextDouble() < _options.LossRate;

    private async Task<KadMessage?> DeliverAsync(Member from, PeerId to, KadMessage message, bool wantReply, CancellationToken cancellationToken)
    {
        Requests++;
        RequestSent?.Invoke(from.Node!, to, message);
        long start = Clock.GetTimestamp();
        if (!_members.TryGetValue(to, out var target) || !target.Online || target.Lie == Liar.DropQueries || Lost())
        {
            await Task.Delay(RequestTimeout, Clock, cancellationToken).ConfigureAwait(false);
            return null;
        }

        await Task.Delay(OneWay(from, target), Clock, cancellationToken).ConfigureAwait(false);
        var result = target.Node!.HandleRequest(RoundTrip(message), from.Peer, from.Addresses);
        if (!wantReply || result.Outcome != KadHandlerOutcome.Reply)
        {
            return null;
        }

        if (Lost())
        {
            await Task.Delay(RequestTimeout - Clock.GetElapsedTime(start), Clock, cancellationToken).ConfigureAwait(false);
            return null;
        }

        await Task.Delay(OneWay(target, from), Clock, cancellationToken).ConfigureAwait(false);
        Answered?.Invoke(from.Node!, Clock.GetElapsedTime(start));
        return RoundTrip(target.Lie == Liar.RandomFarNodes ? WithRandomPeers(result.Reply!) : result.Reply!);
    }

    // A reply whose closer peers are as many random servers of the network (random ones are far from any
    // key), with no providers and no record.
    private KadMessage WithRandomPeers(KadMessage reply)
    {
        var lies = new KadPeer[reply.CloserPeers.Count];
        for (int i = 0; i < lies.Length; i++)
        {
            var other = _members[_nodes[_lies.Next(_nodes.Count)].PeerId];
            lies[i] = KadPeer.FromPeerInfo(new PeerInfo(other.Peer, other.Addresses));
        }

        return reply with { CloserPeers = lies, ProviderPeers = [], Record = null };
    }

    private void TakeOffline(IpfsDhtNode node)
    {
        _members[node.PeerId].Online = false;
        _online.Remove(node);
    }

    private IpfsDhtNode? PickOnline() => _online.Count == 0 ? null : _online[Random.Next(_online.Count)];

    // Encoded and decoded as on the wire, so the simulation runs the same codec as a real stream.
    private static KadMessage RoundTrip(KadMessage message)
    {
        using var frame = KadMessageCodec.EncodeFrame(message);
        var sequence = new ReadOnlySequence<byte>(frame.Memory);
        return KadFrameReader.TryReadMessage(ref sequence, out var decoded)
            ? decoded
            : throw new InvalidOperationException("A frame the codec wrote did not read back.");
    }

    private sealed class Member(IpfsSimulation network, PeerId peer, IReadOnlyList<Multiaddr> addresses, ulong linkKey) : IKadMessenger
    {
        public IpfsDhtNode? Node { get; set; }

        public PeerId Peer => peer;

        public IReadOnlyList<Multiaddr> Addresses => addresses;

        public ulong LinkKey => linkKey;

        public bool Online { get; set; } = true;

        public Liar? Lie { get; set; }

        public bool Started { get; set; }

        public PeerId Self => peer;

        public IReadOnlyList<Multiaddr> SelfAddresses => addresses;

        public bool IsDhtServer(PeerId other) => network._members.ContainsKey(other);

        public Task<KadMessage?> SendRequestAsync(PeerInfo other, KadMessage request, CancellationToken cancellationToken = default) =>
            network.DeliverAsync(this, other.Id, request, wantReply: true, cancellationToken);

        public async Task<bool> SendMessageAsync(PeerInfo other, KadMessage message, CancellationToken cancellationToken = default)
        {
            await network.DeliverAsync(this, other.Id, message, wantReply: false, cancellationToken).ConfigureAwait(false);
            return network._members.TryGetValue(other.Id, out var target) && target.Online;
        }
    }
}
