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

    public IpfsSimulation(DhtSimulationOptions? options = null)
    {
        _options = options ?? new DhtSimulationOptions();
        _options.Validate();
        Random = new Random(_options.Seed);
        _network = new Random(_options.Seed ^ 0x1F5);
    }

    /// <summary>The clock every node runs on.</summary>
    public VirtualTimeProvider Clock { get; } = new();

    /// <summary>The seeded source of keys and choices.</summary>
    public Random Random { get; }

    /// <summary>What a request costs that gets no answer (offline peer, lost request or reply).</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>The DHT servers, in the order they joined.</summary>
    public IReadOnlyList<IpfsDhtNode> Nodes => _nodes;

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
        var seed = new byte[32];
        for (int i = 0; i < count; i++)
        {
            Random.NextBytes(seed);
            var key = Ed25519PrivateKey.FromSeed(seed);
            int index = _nodes.Count;
            var peer = PeerId.FromPublicKey(key.PublicKey);
            var address = Multiaddr.Parse($"/ip4/10.{(index >> 16) & 255}.{(index >> 8) & 255}.{index & 255}/tcp/4001");
            var member = new Member(this, peer, [address], (ulong)index);
            var node = new IpfsDhtNode(member, new IpfsDhtNodeOptions { Random = new Random(Random.Next()), LookupSoftTimeout = TimeSpan.FromSeconds(1) }, Clock);
            member.Node = node;
            _members.Add(peer, member);
            var online = _nodes.Where(IsOnline).ToArray();
            _nodes.Add(node);
            if (online.Length > 0)
            {
                var via = online[Random.Next(online.Length)];
                Run(node.BootstrapAsync([new PeerInfo(via.PeerId, _members[via.PeerId].Addresses)]));
            }

            progress?.Report(i + 1);
        }
    }

    /// <summary>Takes a random <paramref name="fraction"/> of the online nodes (never <paramref name="except"/>) off the network unannounced.</summary>
    public IReadOnlyList<IpfsDhtNode> SetOffline(double fraction, IpfsDhtNode? except = null)
    {
        var dead = VirtualRun.Share(_nodes.Where(n => n != except && IsOnline(n)), fraction, Random);
        foreach (var node in dead)
        {
            _members[node.PeerId].Online = false;
        }

        return dead;
    }

    /// <summary>Whether <paramref name="node"/> answers (not taken off by <see cref="SetOffline"/>).</summary>
    public bool IsOnline(IpfsDhtNode node)
    {
        ArgumentNullException.ThrowIfNull(node);
        return _members[node.PeerId].Online;
    }

    /// <summary>The <paramref name="count"/> online servers closest to the kad key <paramref name="key"/>, closest first (never <paramref name="except"/>).</summary>
    public IReadOnlyList<PeerId> TrueClosest(ReadOnlySpan<byte> key, int count, IpfsDhtNode? except = null)
    {
        var target = Key256.Sha256(key);
        return _nodes.Where(n => n != except && IsOnline(n)).OrderBy(n => n.Key.Xor(target)).Take(count).Select(n => n.PeerId).ToArray();
    }

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
        if (!_members.TryGetValue(to, out var target) || !target.Online || Lost())
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
        return RoundTrip(result.Reply!);
    }

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
