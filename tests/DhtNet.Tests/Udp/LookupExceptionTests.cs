using System.Net;
using System.Runtime.ExceptionServices;

namespace DhtNet.Tests.Udp;

/// <summary>
/// A lookup that ends, early (enough providers, the node found) or not (the K closest settled),
/// abandons the requests it still has out; that is its normal end and throws nothing. On a swarm
/// of real UDP nodes with a dead one among them (timeouts, given-up and abandoned requests), every
/// Mainline operation runs without a single first-chance exception, and a caller's own
/// cancellation still ends the operation with <see cref="OperationCanceledException"/>.
/// </summary>
// Runs alone: first-chance exceptions are counted for the whole process.
[Collection(MeasurementCollection.Name)]
public sealed class LookupExceptionTests : IAsyncLifetime
{
    private const int SwarmSize = 12;

    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);

    private readonly List<DhtNode> _nodes = [];
    private readonly Random _random = new(41);
    private NodeInfo _dead;
    private DhtNode _patient = null!; // waits out each request in full: no adaptive give-up

    public async Task InitializeAsync()
    {
        for (int i = 0; i < SwarmSize; i++)
        {
            _nodes.Add(await StartNodeAsync(i == 0 ? [] : [_nodes[0].LocalEndPoints[0].ToString()], adaptive: true));
        }

        _patient = await StartNodeAsync([_nodes[0].LocalEndPoints[0].ToString()], adaptive: false);

        // Every node learns every other (a second bootstrap once all are up), then one goes away
        // without a word: its requests time out, are given up or abandoned from now on.
        foreach (var node in _nodes.Append(_patient))
        {
            await node.QueryAsync(node.Id).WaitAsync(Limit);
        }

        var dead = _nodes[^1];
        _dead = new NodeInfo(dead.Id, dead.LocalEndPoints[0]);
        _nodes.Remove(dead);
        await dead.DisposeAsync();
    }

    public async Task DisposeAsync()
    {
        foreach (var node in _nodes.Append(_patient))
        {
            await node.DisposeAsync();
        }
    }

    [Fact]
    public async Task Operations_LookupsEndEarlyAndLate_ThrowNoFirstChanceException()
    {
        var asker = _nodes[1];
        var infoHash = NodeId.Random(_random);
        await _nodes[4].ProvideAsync(infoHash, 7001).WaitAsync(Limit);
        var item = await _nodes[2].PutAsync("5:hello"u8.ToArray()).WaitAsync(Limit);

        using var exceptions = new FirstChanceCounter();
        for (int round = 0; round < 3; round++)
        {
            // The K closest settle (and the dead node, near the target, is given up or abandoned).
            var closest = await asker.QueryAsync(_dead.Id).WaitAsync(Limit);
            Assert.NotEmpty(closest.Nodes);

            // Stops early: the node is named by the first answers.
            var target = _nodes[(round * 5 + 3) % _nodes.Count];
            Assert.Equal(target.LocalEndPoints[0], await asker.FindPeerAsync(target.Id).WaitAsync(Limit));

            // Stops early at the first provider, or runs until the closest nodes settle.
            var first = await ToListAsync(asker.FindProvidersAsync(infoHash, maxProviders: 1)).WaitAsync(Limit);
            Assert.Equal(7001, Assert.Single(first).Port);
            var all = await ToListAsync(asker.FindProvidersAsync(infoHash)).WaitAsync(Limit);
            Assert.Equal(7001, Assert.Single(all).Port);

            var provided = await asker.ProvideAsync(NodeId.Random(_random), 7003).WaitAsync(Limit);
            Assert.True(provided.Stored > 0);

            var got = await asker.GetAsync(item.Target).WaitAsync(Limit);
            Assert.Equal("5:hello"u8.ToArray(), got?.Value.ToArray());
        }

        Assert.True(exceptions.Count == 0, $"{exceptions.Count} first-chance exceptions, first: {exceptions.First}");
    }

    [Fact]
    public async Task QueryAsync_CallerCancelsWhileRequestIsOut_ThrowsAndFreesTransactions()
    {
        // The patient node waits out each request in full, so that the lookup is certain to be
        // waiting for the dead node when the caller cancels.
        var dispatcher = _patient.Dispatcher!;
        Assert.Equal(0, dispatcher.PendingCount);

        using var cancel = new CancellationTokenSource();
        var query = _patient.QueryAsync(_dead.Id, cancel.Token);
        // The lookup's first requests went out as it started; the dead node, closest to the target
        // and named by every live one, keeps it going until its 30 s timeout.
        Assert.True(dispatcher.PendingCount > 0);
        Assert.False(query.IsCompleted);

        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => query.WaitAsync(Limit));

        // Cancellation removed the lookup's transactions before the caller saw the exception.
        Assert.Equal(0, dispatcher.PendingCount);
    }

    [Fact]
    public async Task FindProvidersAsync_CallerCancelsWhileLookupRuns_ThrowsAndFreesTransactions()
    {
        var dispatcher = _patient.Dispatcher!;
        using var cancel = new CancellationTokenSource();
        var providers = ToListAsync(_patient.FindProvidersAsync(_dead.Id, cancellationToken: cancel.Token));
        Assert.True(dispatcher.PendingCount > 0);
        Assert.False(providers.IsCompleted);

        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => providers.WaitAsync(Limit));
        Assert.Equal(0, dispatcher.PendingCount);
    }

    private async Task<DhtNode> StartNodeAsync(IReadOnlyList<string> bootstrap, bool adaptive)
    {
        var node = new DhtNode(
            new UdpTransport([new IPEndPoint(IPAddress.Loopback, 0)]),
            new DhtOptions
            {
                BootstrapNodes = bootstrap,
                Port = 0,
                NodeId = NodeId.Random(_random),
                RequestTimeout = adaptive ? TimeSpan.FromSeconds(1) : TimeSpan.FromSeconds(30),
                AdaptiveTimeouts = adaptive,
            });
        await node.StartAsync().WaitAsync(Limit);
        return node;
    }

    private static async Task<List<T>> ToListAsync<T>(IAsyncEnumerable<T> stream)
    {
        var list = new List<T>();
        await foreach (var item in stream)
        {
            list.Add(item);
        }

        return list;
    }

    /// <summary>Counts the first-chance exceptions thrown anywhere in the process while it lives.</summary>
    private sealed class FirstChanceCounter : IDisposable
    {
        private int _count;
        private string? _first;

        public FirstChanceCounter() => AppDomain.CurrentDomain.FirstChanceException += OnException;

        public int Count => Volatile.Read(ref _count);

        public string? First => Volatile.Read(ref _first);

        public void Dispose() => AppDomain.CurrentDomain.FirstChanceException -= OnException;

        private void OnException(object? sender, FirstChanceExceptionEventArgs e)
        {
            Interlocked.Increment(ref _count);
            Interlocked.CompareExchange(ref _first, $"{e.Exception.GetType().Name}: {e.Exception.Message}{Environment.NewLine}{Environment.StackTrace}", null);
        }
    }
}
