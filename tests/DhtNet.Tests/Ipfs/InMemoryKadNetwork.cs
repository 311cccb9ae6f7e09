using DhtNet.Kademlia;

namespace DhtNet.Tests.Ipfs;

/// <summary>
/// Many <see cref="IpfsDhtNode"/>s in one process: each request is encoded and decoded as on the wire,
/// delivered after a latency on the virtual clock, and lost with a seeded probability (a lost
/// request or reply costs the sender its full timeout, as on a real network).
/// </summary>
internal sealed class InMemoryKadNetwork
{
    private readonly Dictionary<PeerId, IpfsDhtNode> _nodes = [];
    private readonly VirtualTimeProvider _clock;
    private readonly Random _random;
    private readonly double _loss;

    public InMemoryKadNetwork(VirtualTimeProvider clock, int seed, double loss = 0)
    {
        _clock = clock;
        _random = new Random(seed);
        _loss = loss;
    }

    public TimeSpan Latency { get; init; } = TimeSpan.FromMilliseconds(20);

    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(2);

    public long Requests { get; private set; }

    public long Lost { get; private set; }

    public IReadOnlyCollection<IpfsDhtNode> Nodes => _nodes.Values;

    public IpfsDhtNode Add(Ed25519PrivateKey key, int index, bool clientMode = false)
    {
        var peer = PeerId.FromPublicKey(key.PublicKey);
        var address = Multiaddr.Parse($"/ip4/10.{(index >> 16) & 255}.{(index >> 8) & 255}.{index & 255}/tcp/4001");
        var messenger = new Messenger(this, peer, [address]);
        var node = new IpfsDhtNode(messenger, new IpfsDhtNodeOptions { ClientMode = clientMode, Random = new Random(index), LookupSoftTimeout = TimeSpan.FromSeconds(1) }, _clock);
        _nodes.Add(peer, node);
        return node;
    }

    private bool Drop()
    {
        lock (_random)
        {
            Requests++;
            if (_loss > 0 && _random.NextDouble() < _loss)
            {
                Lost++;
                return true;
            }

            return false;
        }
    }

    private async Task<KadMessage?> DeliverAsync(Messenger from, PeerInfo to, KadMessage message, bool wantReply, CancellationToken cancellationToken)
    {
        if (!_nodes.TryGetValue(to.Id, out var target) || target.ClientMode || Drop())
        {
            await Task.Delay(Timeout, _clock, cancellationToken);
            return null;
        }

        await Task.Delay(Latency, _clock, cancellationToken);
        var request = Decode(message);
        var result = target.HandleRequest(request, from.Self, from.SelfAddresses);
        if (!wantReply || result.Outcome != KadHandlerOutcome.Reply)
        {
            return null;
        }

        if (Drop())
        {
            await Task.Delay(Timeout - Latency, _clock, cancellationToken);
            return null;
        }

        await Task.Delay(Latency, _clock, cancellationToken);
        return Decode(result.Reply!);
    }

    private static KadMessage Decode(KadMessage message)
    {
        using var frame = KadMessageCodec.EncodeFrame(message);
        var sequence = new System.Buffers.ReadOnlySequence<byte>(frame.Memory);
        Assert.True(KadFrameReader.TryReadMessage(ref sequence, out var decoded));
        return decoded;
    }

    private sealed class Messenger(InMemoryKadNetwork network, PeerId self, IReadOnlyList<Multiaddr> addresses) : IKadMessenger
    {
        public PeerId Self => self;

        public IReadOnlyList<Multiaddr> SelfAddresses => addresses;

        public bool IsDhtServer(PeerId peer) => network._nodes.TryGetValue(peer, out var node) && !node.ClientMode;

        public Task<KadMessage?> SendRequestAsync(PeerInfo peer, KadMessage request, CancellationToken cancellationToken = default) =>
            network.DeliverAsync(this, peer, request, wantReply: true, cancellationToken);

        public async Task<bool> SendMessageAsync(PeerInfo peer, KadMessage message, CancellationToken cancellationToken = default)
        {
            await network.DeliverAsync(this, peer, message, wantReply: false, cancellationToken);
            return network._nodes.ContainsKey(peer.Id);
        }
    }
}
