using DhtNet.Kademlia;

namespace DhtNet.Tests.Ipfs;

/// <summary>
/// An <see cref="InMemoryKadNetwork"/> of servers and clients built as a real one grows: each node joins
/// through a random earlier server on the virtual clock. Runs tasks to completion on that clock and knows
/// the truth (the k closest servers to any key) to check lookups against.
/// </summary>
internal sealed class KadTestNetwork
{
    public const int K = 20;

    private KadTestNetwork(VirtualTimeProvider clock, InMemoryKadNetwork network)
    {
        Clock = clock;
        Network = network;
    }

    public VirtualTimeProvider Clock { get; }

    public InMemoryKadNetwork Network { get; }

    public List<IpfsDhtNode> Servers { get; } = [];

    public List<IpfsDhtNode> Clients { get; } = [];

    public Dictionary<PeerId, Ed25519PrivateKey> Keys { get; } = [];

    /// <param name="servers">DHT servers.</param>
    /// <param name="clients">Client-mode nodes, added after the servers.</param>
    /// <param name="loss">Message loss while the network is built and after.</param>
    /// <param name="seed">Seed of keys, join order and loss.</param>
    /// <param name="options">Options by node index (servers first) and client mode, or null for the defaults of <see cref="InMemoryKadNetwork"/>.</param>
    public static KadTestNetwork Build(int servers, int clients, double loss, int seed, Func<int, bool, IpfsDhtNodeOptions>? options = null)
    {
        SynchronizationContext.SetSynchronizationContext(null);
        var clock = new VirtualTimeProvider();
        var built = new KadTestNetwork(clock, new InMemoryKadNetwork(clock, seed, loss) { Options = options });
        var random = new Random(seed);
        var seed32 = new byte[32];
        for (int i = 0; i < servers + clients; i++)
        {
            random.NextBytes(seed32);
            var key = Ed25519PrivateKey.FromSeed(seed32);
            var node = built.Network.Add(key, i, clientMode: i >= servers);
            built.Keys.Add(node.PeerId, key);
            (i < servers ? built.Servers : built.Clients).Add(node);
            if (i > 0)
            {
                // Each joins through a random earlier server, as a node joins through a bootstrap peer.
                var via = built.Servers[random.Next(Math.Min(i, servers))];
                if (via != node)
                {
                    built.Run(node.BootstrapAsync([new PeerInfo(via.PeerId, [built.Network.AddressOf(via)])]));
                }
            }
        }

        return built;
    }

    /// <summary>Runs the virtual clock until <paramref name="task"/> is done (never while it runs on another thread: see <see cref="VirtualTimeProvider.RunUntil"/>).</summary>
    public T Run<T>(Task<T> task)
    {
        Run((Task)task);
        return task.Result;
    }

    /// <inheritdoc cref="Run{T}(Task{T})"/>
    public void Run(Task task)
    {
        SynchronizationContext.SetSynchronizationContext(null);
        Assert.True(Clock.RunUntil(task), $"did not finish when the clock ran out of timers: {task.Status}");
        task.GetAwaiter().GetResult();
    }

    /// <summary>The k servers closest to SHA-256(<paramref name="key"/>), closest first, without <paramref name="except"/>.</summary>
    public PeerId[] TrueClosest(ReadOnlySpan<byte> key, IpfsDhtNode except)
    {
        var target = Key256.Sha256(key);
        return Servers.Where(n => n != except && !Removed.Contains(n.PeerId)).OrderBy(n => n.Key.Xor(target)).Take(K).Select(n => n.PeerId).ToArray();
    }

    /// <summary>Servers taken off the network (left out of the truth).</summary>
    public HashSet<PeerId> Removed { get; } = [];

    public static async Task<List<PeerInfo>> CollectAsync(IAsyncEnumerable<PeerInfo> providers)
    {
        var list = new List<PeerInfo>();
        await foreach (var provider in providers)
        {
            list.Add(provider);
        }

        return list;
    }
}
