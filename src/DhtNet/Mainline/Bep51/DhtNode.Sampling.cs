using System.Net;
using System.Runtime.CompilerServices;
using DhtNet.Mainline.Bep51;
using DhtNet.Mainline.Krpc;

namespace DhtNet.Mainline;

// BEP 51: sampling the infohashes other nodes store, one node at a time or across the key space.
public sealed partial class DhtNode
{
    /// <summary>Most distinct infohashes <see cref="EnumerateInfohashesAsync"/> remembers to avoid repeats (about 5 MB).</summary>
    public const int MaxRememberedInfohashes = 100_000;

    /// <summary>Most nodes <see cref="EnumerateInfohashesAsync"/> visits in one walk.</summary>
    public const int MaxSampledNodes = 100_000;

    /// <summary>
    /// Sends one BEP 51 sample_infohashes query to <paramref name="endPoint"/>. Returns its sample,
    /// its infohash count, the interval before its sample changes and the nodes it knows near
    /// <paramref name="target"/>; null when it did not answer or does not support BEP 51.
    /// </summary>
    public Task<SampleResult?> SampleInfohashesAsync(IPEndPoint endPoint, NodeId target, CancellationToken cancellationToken = default)
    {
        // Bad arguments throw here, at the call, not from the returned task.
        ArgumentNullException.ThrowIfNull(endPoint);
        CheckPort(endPoint.Port, nameof(endPoint));
        _ = Dispatcher;
        return SampleInfohashesCoreAsync(endPoint, target, cancellationToken);
    }

    private async Task<SampleResult?> SampleInfohashesCoreAsync(IPEndPoint endPoint, NodeId target, CancellationToken cancellationToken)
    {
        var result = await AskAsync(new SampleInfohashesQuery(_id, target), endPoint, cancellationToken).ConfigureAwait(false);
        if (result.Response is not SampleInfohashesResponse response)
        {
            return null;
        }

        return new SampleResult(response.Interval, response.Num, response.Samples, NodesFor(endPoint, response.Nodes, response.Nodes6))
        {
            Responder = new NodeInfo(response.SenderId, endPoint),
        };
    }

    /// <summary>
    /// Walks the key space as a DHT indexer does (BEP 51) and streams every distinct infohash found:
    /// starts from our routing table, sends sample_infohashes with a fresh random target to each
    /// node (<see cref="DhtOptions.Alpha"/> at a time), and follows the nodes each reply names, so
    /// the walk spreads over the whole key space. Each node is asked once — its interval says its
    /// sample will not change sooner — and the walk ends after <paramref name="maxNodes"/> nodes
    /// were asked or when no node is left to ask. Memory is bounded: at most
    /// <see cref="MaxRememberedInfohashes"/> infohashes are remembered to drop repeats (past that,
    /// new ones are still streamed but may repeat), and the queue of nodes to ask is capped.
    /// </summary>
    public IAsyncEnumerable<NodeId> EnumerateInfohashesAsync(int maxNodes = 100, CancellationToken cancellationToken = default)
    {
        // Checked here, not in the iterator, so that a bad argument throws at the call.
        ArgumentOutOfRangeException.ThrowIfLessThan(maxNodes, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxNodes, MaxSampledNodes);
        _ = Dispatcher;
        return EnumerateInfohashesCoreAsync(maxNodes, cancellationToken);
    }

    private async IAsyncEnumerable<NodeId> EnumerateInfohashesCoreAsync(int maxNodes, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _shutdown.Token);
        int maxQueued = Math.Max(4 * maxNodes, 256);
        var queue = new Queue<NodeInfo>();
        var known = new HashSet<IPEndPoint>(); // queued or asked; at most maxNodes + maxQueued
        var seen = new HashSet<NodeId>();
        var random = new Random();

        void Enqueue(IEnumerable<NodeInfo> nodes)
        {
            foreach (var node in nodes)
            {
                if (queue.Count < maxQueued && node.EndPoint is { Port: > 0 } && node.Id != _id && known.Add(node.EndPoint))
                {
                    queue.Enqueue(node);
                }
            }
        }

        Enqueue(ExportNodes());
        var inFlight = new List<Task<SampleResult?>>();
        int asked = 0;
        try
        {
            while (true)
            {
                while (inFlight.Count < _options.Alpha && asked < maxNodes && queue.TryDequeue(out var next))
                {
                    asked++;
                    inFlight.Add(SampleInfohashesAsync(next.EndPoint, NodeId.Random(random), linked.Token));
                }

                if (inFlight.Count == 0)
                {
                    yield break;
                }

                var done = await Task.WhenAny(inFlight).ConfigureAwait(false);
                inFlight.Remove(done);
                cancellationToken.ThrowIfCancellationRequested();
                if (!done.IsCompletedSuccessfully || done.Result is not { } sample)
                {
                    continue;
                }

                Enqueue(sample.Nodes);
                foreach (var infoHash in sample.Samples)
                {
                    if (seen.Count >= MaxRememberedInfohashes ? !seen.Contains(infoHash) : seen.Add(infoHash))
                    {
                        yield return infoHash;
                    }
                }
            }
        }
        finally
        {
            // Queries still out when the caller stops early are abandoned at once.
            linked.Cancel();
        }
    }
}
