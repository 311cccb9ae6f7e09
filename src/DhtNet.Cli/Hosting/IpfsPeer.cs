using System.Net;
using System.Net.Sockets;
using DhtNet.Cli.Api;
using DhtNet.Ipfs.Messages;
using Microsoft.Extensions.Logging;

namespace DhtNet.Cli.Hosting;

/// <summary>
/// An IPFS DHT node as the tool runs it: a libp2p host on TCP, <c>/ipfs/kad/1.0.0</c> over it, and the
/// <see cref="IpfsDhtNode"/>. `dht node`, the one-shot commands and `dht swarm` all start theirs here.
/// </summary>
internal sealed class IpfsPeer : IAsyncDisposable
{
    // How often, and how patiently, a provide asks whether a peer took it (ADD_PROVIDER has no reply).
    private const int ConfirmAttempts = 5;
    private static readonly TimeSpan ConfirmBackoff = TimeSpan.FromMilliseconds(50);

    private readonly LibP2pHost _host;
    private readonly CountingMessenger _messenger;

    private IpfsPeer(LibP2pHost host, PrivateKey identity, CountingMessenger messenger, KadObserver? observer, IpfsDhtNode node)
    {
        _host = host;
        _messenger = messenger;
        Identity = identity;
        Observer = observer;
        Node = node;
    }

    public IpfsDhtNode Node { get; }

    /// <summary>The node's libp2p key (the HTTP API signs IPNS records with it).</summary>
    public PrivateKey Identity { get; }

    /// <summary>What records the node's requests for the API's hop trees; null when no API runs.</summary>
    public KadObserver? Observer { get; }

    public LibP2pHost Host => _host;

    public PeerId PeerId => _host.PeerId;

    /// <summary>The addresses to dial this node at, each ending in <c>/p2p/&lt;peer id&gt;</c>.</summary>
    public IReadOnlyList<Multiaddr> Addrs => [.. _host.AdvertisedAddresses.Select(a => a.WithPeerId(PeerId))];

    /// <summary>This node with its addresses (without <c>/p2p/</c>), as a bootstrap seed for another.</summary>
    public PeerInfo Info => new(PeerId, _host.AdvertisedAddresses);

    /// <summary>Kad requests sent and answered since <see cref="StartCounting"/>.</summary>
    public (int Queried, int Answered) Requests => _messenger.Counts;

    /// <summary>
    /// Starts a host listening on <paramref name="listen"/> with <paramref name="identity"/> and a node on it.
    /// A client-mode node queries but serves nothing (the one-shot commands run one). With
    /// <paramref name="activity"/> (a running HTTP API) its requests are observed for the dashboard and its
    /// meters come from the activity's factory. With <paramref name="state"/> the node keeps its state there
    /// (restored before the host listens) and signs its IPNS name with <paramref name="identity"/>.
    /// </summary>
    public static async Task<IpfsPeer> StartAsync(
        PrivateKey identity,
        IReadOnlyList<Multiaddr> listen,
        ILoggerFactory? loggers,
        bool clientMode = false,
        TimeSpan? requestTimeout = null,
        NodeActivity? activity = null,
        IDhtStateStore? state = null,
        CancellationToken cancellationToken = default)
    {
        var host = new LibP2pHost(identity, new LibP2pHostOptions { ListenAddresses = listen }, loggers);
        try
        {
            var inner = new LibP2pKadMessenger(host, new LibP2pKadMessengerOptions { RequestTimeout = requestTimeout ?? TimeSpan.FromSeconds(10) }, loggers?.CreateLogger<LibP2pKadMessenger>());
            // Requests go node -> counting -> observer (when an API runs) -> libp2p; serving stays on libp2p's.
            var observer = activity is null ? null : new KadObserver(inner, activity);
            var messenger = new CountingMessenger((IKadMessenger?)observer ?? inner);
            var node = new IpfsDhtNode(messenger, new IpfsDhtNodeOptions { ClientMode = clientMode, MeterFactory = activity?.Meters, StateStore = state, IdentityKey = identity }, logger: loggers?.CreateLogger<IpfsDhtNode>());
            await node.RestoreStateAsync(cancellationToken).ConfigureAwait(false);
            inner.Serve(node);
            await host.StartAsync(cancellationToken).ConfigureAwait(false);
            node.Start();
            return new IpfsPeer(host, identity, messenger, observer, node);
        }
        catch
        {
            await host.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// The TCP addresses to listen on: each of <paramref name="bind"/>, or (none given) <c>0.0.0.0</c> and,
    /// when the system has IPv6, <c>::</c>. The host tells peers its interface addresses in place of a
    /// wildcard (<see cref="LibP2pHost.AdvertisedAddresses"/>), so they are dialable ones, never 0.0.0.0.
    /// </summary>
    public static IReadOnlyList<Multiaddr> ListenAddresses(IReadOnlyList<IPAddress>? bind, int port)
    {
        IReadOnlyList<IPAddress> addresses = bind ?? (Socket.OSSupportsIPv6 ? [IPAddress.Any, IPAddress.IPv6Any] : [IPAddress.Any]);
        return [.. addresses.Select(a => Multiaddr.FromTcpEndPoint(new IPEndPoint(a, port)))];
    }

    /// <summary>
    /// The peers to bootstrap from: <paramref name="bootstrap"/> with /dnsaddr/ entries resolved (through
    /// <paramref name="dnsServer"/>, or the system's resolver), keeping the TCP addresses DhtNet can dial.
    /// A name that does not resolve is logged and left out.
    /// </summary>
    public static async Task<IReadOnlyList<PeerInfo>> ResolveSeedsAsync(IReadOnlyList<Multiaddr> bootstrap, IPEndPoint? dnsServer, ILogger logger, CancellationToken cancellationToken)
    {
        var resolver = new DnsAddrResolver(new DnsAddrResolverOptions { NameServer = dnsServer });
        var resolved = await resolver.ResolveAllAsync(bootstrap, (address, e) => Log.DnsAddrFailed(logger, address, e.Message), cancellationToken);
        return AminoBootstrap.DialablePeers(resolved);
    }

    /// <summary>Joins through <paramref name="seeds"/>; the peers that answered.</summary>
    public Task<IReadOnlyList<PeerInfo>> BootstrapAsync(IReadOnlyList<PeerInfo> seeds, CancellationToken cancellationToken) =>
        Node.BootstrapAsync(seeds, cancellationToken);

    /// <summary>
    /// Announces <paramref name="cid"/> and then asks the peers closest to it (GET_PROVIDERS) until each lists
    /// this node, a few times with a short backoff: ADD_PROVIDER has no reply, and a node about to exit must
    /// know its announcement was taken before it closes its connections. Returns how many peers list it.
    /// </summary>
    public async Task<int> ProvideConfirmedAsync(Cid cid, CancellationToken cancellationToken)
    {
        await Node.ProvideAsync(cid, cancellationToken);
        var key = cid.Multihash.Bytes;
        var closest = await Node.QueryAsync(key, cancellationToken);
        var request = new KadMessage { Type = KadMessageType.GetProviders, Key = key };
        var self = PeerId.Bytes;
        async Task<bool> ListsUsAsync(PeerInfo peer)
        {
            for (int attempt = 1; attempt <= ConfirmAttempts; attempt++)
            {
                var reply = await _messenger.SendRequestAsync(peer, request, cancellationToken);
                if (reply is null)
                {
                    return false;
                }

                if (reply.ProviderPeers.Any(p => p.Id.Span.SequenceEqual(self.Span)))
                {
                    return true;
                }

                await Task.Delay(ConfirmBackoff * attempt, cancellationToken);
            }

            return false;
        }

        var listed = await Task.WhenAll(closest.Select(ListsUsAsync));
        return listed.Count(l => l);
    }

    /// <summary>Counts requests from now on (after bootstrap), as the Mainline session counts lookups.</summary>
    public void StartCounting() => _messenger.Reset();

    public async ValueTask DisposeAsync()
    {
        Node.Dispose();
        await _host.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>The messenger with a count of the requests the node sent and how many were answered.</summary>
    private sealed class CountingMessenger(IKadMessenger inner) : IKadMessenger
    {
        private int _queried;
        private int _answered;

        public PeerId Self => inner.Self;

        public IReadOnlyList<Multiaddr> SelfAddresses => inner.SelfAddresses;

        public (int Queried, int Answered) Counts => (Volatile.Read(ref _queried), Volatile.Read(ref _answered));

        public void Reset()
        {
            Volatile.Write(ref _queried, 0);
            Volatile.Write(ref _answered, 0);
        }

        public bool IsDhtServer(PeerId peer) => inner.IsDhtServer(peer);

        public async Task<KadMessage?> SendRequestAsync(PeerInfo peer, KadMessage request, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _queried);
            var reply = await inner.SendRequestAsync(peer, request, cancellationToken).ConfigureAwait(false);
            if (reply is not null)
            {
                Interlocked.Increment(ref _answered);
            }

            return reply;
        }

        public async Task<bool> SendMessageAsync(PeerInfo peer, KadMessage message, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _queried);
            bool sent = await inner.SendMessageAsync(peer, message, cancellationToken).ConfigureAwait(false);
            if (sent)
            {
                Interlocked.Increment(ref _answered);
            }

            return sent;
        }
    }
}
