using System.Buffers.Binary;
using System.Net;

namespace DhtNet.Tests.Kademlia;

/// <summary>A 256-bit contact for the tiny wire: a key and an IPv4 endpoint.</summary>
internal readonly record struct Peer(Key256 Id, IPEndPoint EndPoint) : IKademliaContact<Key256>;

/// <summary>
/// A node of a tiny test-only Kademlia wire over 256-bit keys, built from the core alone: a
/// <see cref="RoutingTable{TKey, TContact}"/> kept by a <see cref="RoutingUpkeep{TKey, TContact}"/>,
/// lookups by <see cref="IterativeLookup{TKey, TContact}"/>, datagrams over an <see cref="IDatagramTransport"/>.
/// A query is <c>'Q' | transaction (4) | sender key (32) | target (32)</c>; a reply is
/// <c>'R' | transaction (4) | sender key (32) | n × (key (32) | IPv4 (4) | port (2))</c>: the K nodes
/// the replier knows closest to the target. Every request's outcome goes through the upkeep's funnel.
/// </summary>
internal sealed class TinyKadNode : IRoutingNetwork<Key256, Peer>
{
    public const int K = 20;
    private const int QuerySize = 1 + 4 + (2 * Key256.Size);
    private const int HeaderSize = 1 + 4 + Key256.Size;
    private const int PeerSize = Key256.Size + 4 + 2;
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(2);

    private readonly IDatagramTransport _transport;
    private readonly TimeProvider _time;
    private readonly Dictionary<uint, Pending> _pending = [];
    private uint _nextTransaction;

    public TinyKadNode(Key256 id, IDatagramTransport transport, TimeProvider time, Peer? bootstrap)
    {
        _transport = transport;
        _time = time;
        Self = new Peer(id, transport.LocalEndPoints[0]);
        Bootstrap = bootstrap;
        Table = new RoutingTable<Key256, Peer>(id, new EndPointPolicy(), time, new RoutingTableOptions { BucketSize = K, Random = new Random(id.GetHashCode()) });
        Upkeep = new RoutingUpkeep<Key256, Peer>(Table, this, time, new RoutingUpkeepOptions { Lookup = new LookupOptions { K = K, Alpha = 3 } });
        transport.Start(OnDatagram);
    }

    public Peer Self { get; }

    public Peer? Bootstrap { get; }

    public RoutingTable<Key256, Peer> Table { get; }

    public RoutingUpkeep<Key256, Peer> Upkeep { get; }

    public int QueriesAnswered { get; private set; }

    public LookupRequest<Peer> FindNode(Key256 target) => async (peer, cancellationToken) =>
        await RequestAsync(peer, target, cancellationToken).ConfigureAwait(false) is { } nodes
            ? LookupReply<Peer>.From(nodes)
            : LookupReply<Peer>.NoAnswer;

    public Task PingAsync(Peer contact, CancellationToken cancellationToken) => RequestAsync(contact, Self.Id, cancellationToken);

    public Task<IReadOnlyList<Peer>> GetBootstrapContactsAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<Peer>>(Bootstrap is { } seed ? [seed] : []);

    /// <summary>Sends one query; completes with the replier's nodes, or null on timeout or cancellation.</summary>
    private Task<Peer[]?> RequestAsync(Peer peer, Key256 target, CancellationToken cancellationToken)
    {
        uint transaction = ++_nextTransaction;
        var pending = new Pending(peer, _time.GetTimestamp());
        _pending.Add(transaction, pending);
        pending.Timer = _time.CreateTimer(static state =>
        {
            var (node, transaction) = ((TinyKadNode, uint))state!;
            node.Complete(transaction, RequestOutcome.TimedOut, null);
        }, (this, transaction), RequestTimeout, Timeout.InfiniteTimeSpan);
        pending.Registration = cancellationToken.Register(() => Complete(transaction, RequestOutcome.Inconclusive, null));

        Span<byte> query = stackalloc byte[QuerySize];
        query[0] = (byte)'Q';
        BinaryPrimitives.WriteUInt32BigEndian(query[1..], transaction);
        Self.Id.WriteTo(query[5..]);
        target.WriteTo(query[(5 + Key256.Size)..]);
        if (!_transport.Send(query, peer.EndPoint))
        {
            Complete(transaction, RequestOutcome.Inconclusive, null);
        }

        return pending.Reply.Task;
    }

    private void Complete(uint transaction, RequestOutcome outcome, Peer[]? nodes, Peer? answeredAs = null)
    {
        if (!_pending.Remove(transaction, out var pending))
        {
            return;
        }

        pending.Timer?.Dispose();
        pending.Registration.Dispose();
        // The funnel: every request, once. An answer under another key says nothing of the key we asked.
        var asked = pending.Peer;
        if (answeredAs is { } replier && !replier.Id.Equals(asked.Id))
        {
            Upkeep.Report(replier, outcome);
            outcome = RequestOutcome.Inconclusive;
            nodes = null;
        }

        Upkeep.Report(asked, outcome);
        pending.Reply.TrySetResult(nodes);
    }

    // Hostile input: anything short, long or unknown is dropped; nothing here can throw.
    private void OnDatagram(ReadOnlySpan<byte> datagram, IPEndPoint source)
    {
        if (datagram.Length < HeaderSize)
        {
            return;
        }

        uint transaction = BinaryPrimitives.ReadUInt32BigEndian(datagram[1..]);
        var sender = new Peer(new Key256(datagram.Slice(5, Key256.Size)), source);
        if (datagram[0] == (byte)'Q' && datagram.Length == QuerySize)
        {
            Upkeep.ReportQuery(sender);
            Answer(datagram[..5], new Key256(datagram[HeaderSize..]), source);
        }
        else if (datagram[0] == (byte)'R' && (datagram.Length - HeaderSize) % PeerSize == 0 && (datagram.Length - HeaderSize) / PeerSize <= K
            && _pending.TryGetValue(transaction, out var pending) && pending.Peer.EndPoint.Equals(source))
        {
            var nodes = new Peer[(datagram.Length - HeaderSize) / PeerSize];
            for (int i = 0; i < nodes.Length; i++)
            {
                var entry = datagram.Slice(HeaderSize + (i * PeerSize), PeerSize);
                nodes[i] = new Peer(new Key256(entry[..Key256.Size]), new IPEndPoint(new IPAddress(entry.Slice(Key256.Size, 4)), BinaryPrimitives.ReadUInt16BigEndian(entry[(Key256.Size + 4)..])));
            }

            Complete(transaction, RequestOutcome.Answered(_time.GetElapsedTime(pending.Started)), nodes, sender);
        }
    }

    private void Answer(ReadOnlySpan<byte> header, Key256 target, IPEndPoint destination)
    {
        Span<Peer> closest = new Peer[K];
        int count = Table.FindClosest(target, closest);
        Span<byte> reply = stackalloc byte[HeaderSize + (K * PeerSize)];
        header.CopyTo(reply);
        reply[0] = (byte)'R';
        Self.Id.WriteTo(reply[5..]);
        for (int i = 0; i < count; i++)
        {
            var entry = reply.Slice(HeaderSize + (i * PeerSize), PeerSize);
            closest[i].Id.WriteTo(entry);
            closest[i].EndPoint.Address.TryWriteBytes(entry.Slice(Key256.Size, 4), out _);
            BinaryPrimitives.WriteUInt16BigEndian(entry[(Key256.Size + 4)..], (ushort)closest[i].EndPoint.Port);
        }

        QueriesAnswered++;
        _transport.Send(reply[..(HeaderSize + (count * PeerSize))], destination);
    }

    private sealed class Pending(Peer peer, long started)
    {
        public Peer Peer { get; } = peer;

        public long Started { get; } = started;

        public TaskCompletionSource<Peer[]?> Reply { get; } = new();

        public ITimer? Timer { get; set; }

        public CancellationTokenRegistration Registration { get; set; }
    }

    /// <summary>One entry per endpoint; every endpoint is usable on the in-memory network.</summary>
    private sealed class EndPointPolicy : IRoutingPolicy<Key256, Peer>, IEqualityComparer<Peer>
    {
        public IEqualityComparer<Peer> AddressComparer => this;

        public ContactCheck Check(ref Peer contact) => contact.EndPoint.Port == 0 ? ContactCheck.UnusableAddress : ContactCheck.Usable;

        public ContactAdmission Admit(in Peer contact) => ContactAdmission.Admitted;

        public bool Equals(Peer x, Peer y) => x.EndPoint.Equals(y.EndPoint);

        public int GetHashCode(Peer obj) => obj.EndPoint.GetHashCode();
    }
}
