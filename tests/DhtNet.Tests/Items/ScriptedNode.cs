using System.Net;
using DhtNet.Tests.Node;

namespace DhtNet.Tests.Items;

/// <summary>
/// A test double on the swarm's network: a bare <see cref="KrpcDispatcher"/> whose answers the test
/// writes, to play a node that lies (wrong values, bad signatures).
/// </summary>
internal sealed class ScriptedNode : IKrpcQueryHandler, IDisposable
{
    private readonly InMemoryTransport _transport;
    private readonly KrpcDispatcher _dispatcher;
    private readonly Func<KrpcQuery, KrpcMessage?> _answer;
    private int _queries;

    public ScriptedNode(SimulatedSwarm swarm, NodeId id, Func<KrpcQuery, KrpcMessage?> answer)
    {
        Id = id;
        _answer = answer;
        _transport = swarm.Network.CreateTransport();
        _dispatcher = new KrpcDispatcher(_transport, this, swarm.Clock);
        _dispatcher.Start();
    }

    public NodeId Id { get; }

    public NodeInfo Info => new(Id, _transport.LocalEndPoints[0]);

    /// <summary>Queries received so far.</summary>
    public int Queries => Volatile.Read(ref _queries);

    public KrpcMessage? Handle(KrpcQuery query, IPEndPoint source)
    {
        Interlocked.Increment(ref _queries);
        return _answer(query) ?? query switch
        {
            PingQuery => new PingResponse(Id),
            FindNodeQuery => new FindNodeResponse(Id, [], []),
            _ => new KrpcError(KrpcErrorCode.MethodUnknown, "method unknown"),
        };
    }

    public void Dispose()
    {
        _dispatcher.Dispose();
        _transport.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }
}
