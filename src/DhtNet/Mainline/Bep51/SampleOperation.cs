using System.Net;
using System.Runtime.CompilerServices;
using DhtNet.Mainline.Krpc;

namespace DhtNet.Mainline.Bep51;

/// <summary>BEP 51: sampling the infohashes other nodes store, one node at a time or across the key space.</summary>
internal static class SampleOperation
{
    /// <summary>One sample_infohashes query; null when the node did not answer or does not support BEP 51.</summary>
    public static async Task<SampleResult?> SampleAsync(NodeContext node, IPEndPoint endPoint, NodeId target, CancellationToken cancellationToken)
    {
        var result = await node.Requests.AskAsync(new SampleInfohashesQuery(node.Id, target), endPoint, cancellationToken).ConfigureAwait(false);
        if (result.Response is not SampleInfohashesResponse response)
        {
            return null;
        }

        return new SampleResult(response.Interval, response.Num, response.Samples, Requests.NodesFor(endPoint, response.Nodes, response.Nodes6))
        {
            Responder = new NodeInfo(response.SenderId, endPoint),
        };
    }

    /// <summary>
    /// Walks the key space from our routing table, asking each node once with a fresh random target
    /// and following the nodes each reply names; streams every distinct infohash. Memory is bounded
    /// (see <see cref="DhtNode.EnumerateInfohashesAsync"/>).
    /// </summary>
    public static async IAsyncEnumerable<NodeId> EnumerateAsync(NodeContext node, int maxNodes, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, node.Shutdown);
        int maxQueued = Math.Max(4 * maxNodes, 256);
        var queue = new Queue<NodeInfo>();
        var known = new HashSet<IPEndPoint>(); // queued or asked; at most maxNodes + maxQueued
        var seen = new HashSet<NodeId>();
        var random = new Random();

        void Enqueue(IEnumerable<NodeInfo> nodes)
        {
            foreach (var next in nodes)
            {
                if (queue.Count < maxQueued && next.EndPoint is { Port: > 0 } && next.Id != node.Id && known.Add(next.EndPoint))
                {
                    queue.Enqueue(next);
                }
            }
        }

        Enqueue(node.Tables.Export());
        var inFlight = new List<Task<SampleResult?>>();
        int asked = 0;
        try
        {
            while (true)
            {
                while (inFlight.Count < node.Options.Alpha && asked < maxNodes && queue.TryDequeue(out var next))
                {
                    asked++;
                    inFlight.Add(SampleAsync(node, next.EndPoint, NodeId.Random(random), linked.Token));
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
                    if (seen.Count >= DhtNode.MaxRememberedInfohashes ? !seen.Contains(infoHash) : seen.Add(infoHash))
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
