using DhtNet.Kademlia;

namespace DhtNet.Tests.Ipfs;

/// <summary>
/// Many <see cref="IpfsDhtNode"/>s in one process: each request is encoded and decoded as on the wire,
/// delivered after a latency on the virtual clock, and lost with a seeded probability (a lost
/// request or reply costs the sender its full timeout, as on a real network). Nodes can leave, move to
/// a new address, or lie (<see cref="Liars"/>: their replies name random peers instead of the closest).
/// </summary>
internal sealed class InMemoryKadNetwork
{
    private readonly Dictionary<PeerId, IpfsDhtNode> _nodes = [];
    private readonly VirtualTimeProvider _clock;
    private readonly Dictionary<PeerId, Messenger> _messengers = [];
    private readonly List<PeerInfo> _everyone = [];
    private readonly Random _random;

    public InMemoryKadNetwork(VirtualTimeProvider clock, int seed, double loss = 0)
    {
        _clock = clock;
        _random = new Random(seed);
        Loss = loss;
    }

    /// <summary>The chance that one message (a request or a reply) is lost.</summary>
    public double Loss { get; set; }

    /// <summary>Nodes whose replies name k random peers of the network (mostly far from any key) instead of their closest.</summary>
    public HashSet<PeerId> Liars { get; } = [];

    /// <summary>Options for the node of a given index and client mode (null: the defaults used here).</summary>
    public Func<int, bool, IpfsDhtNodeOptions>? Options { get; init; }

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
        var options = Options?.Invoke(index, clientMode) ?? new IpfsDhtNodeOptions { ClientMode = clientMode, Random = new Random(index), LookupSoftTimeout = TimeSpan.FromSeconds(1) };
        Assert.Equal(clientMode, options.ClientMode);
        var node = new IpfsDhtNode(messenger, options, _clock);
        _nodes.Add(peer, node);
        _messengers.Add(peer, messenger);
        if (!clientMode)
        {
            _everyone.Add(new PeerInfo(peer, [address]));
        }

        return node;
    }

    /// <summary>
    /// Puts a new node with the same peer id and address in the place of <paramref name="node"/> (stopped by the
    /// caller), made with <paramref name="options"/>: a restart, where the new node knows what its state store gives back.
    /// </summary>
    public IpfsDhtNode Restart(IpfsDhtNode node, IpfsDhtNodeOptions options)
    {
        var restarted = new IpfsDhtNode(_messengers[node.PeerId], options, _clock);
        _nodes[node.PeerId] = restarted;
        return restarted;
    }

    /// <summary>Where <paramref name="node"/> listens now.</summary>
    public Multiaddr AddressOf(IpfsDhtNode node) => _messengers[node.PeerId].Addresses[0];

    /// <summary>Takes <paramref name="node"/> off the network: requests to it go unanswered from now on.</summary>
    public void Remove(IpfsDhtNode node)
    {
        _nodes.Remove(node.PeerId);
        _everyone.RemoveAll(p => p.Id == node.PeerId);
    }

    /// <summary>Moves <paramref name="node"/> to a new address: the old one answers no more.</summary>
    public Multiaddr Move(IpfsDhtNode node, int newIndex)
    {
        var address = Multiaddr.Parse($"/ip4/10.{(newIndex >> 16) & 255}.{(newIndex >> 8) & 255}.{newIndex & 255}/tcp/4001");
        _messengers[node.PeerId].Addresses = [address];
        int at = _everyone.FindIndex(p => p.Id == node.PeerId);
        _everyone[at] = new PeerInfo(node.PeerId, [address]);
        return address;
    }

    private bool Drop()
    {
        lock (_random)
        {
            Requests++;
            if (Loss > 0 && _random.NextDouble() < Loss)
            {
                Lost++;
                return true;
            }

            return false;
        }
    }

    private async Task<KadMessage?> DeliverAsync(Messenger from, PeerInfo to, KadMessage message, bool wantReply, CancellationToken cancellationToken)
    {
        // A peer is reached only at an address it listens on now.
        if (!_nodes.TryGetValue(to.Id, out var target) || target.ClientMode || !to.Multiaddrs.Intersect(_messengers[to.Id].Addresses).Any() || Drop())
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
        var reply = Decode(result.Reply!);
        if (Liars.Contains(to.Id) && reply.CloserPeers.Count > 0)
        {
            reply = new KadMessage { Type = reply.Type, Key = reply.Key, Record = reply.Record, ProviderPeers = reply.ProviderPeers, CloserPeers = RandomPeers(reply.CloserPeers.Count) };
        }

        return reply;
    }

    private KadPeer[] RandomPeers(int count)
    {
        var peers = new KadPeer[count];
        lock (_random)
        {
            for (int i = 0; i < count; i++)
            {
                peers[i] = KadPeer.FromPeerInfo(_everyone[_random.Next(_everyone.Count)]);
            }
        }

        return peers;
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

        public IReadOnlyList<Multiaddr> Addresses { get; set; } = addresses;

        public IReadOnlyList<Multiaddr> SelfAddresses => Addresses;

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
