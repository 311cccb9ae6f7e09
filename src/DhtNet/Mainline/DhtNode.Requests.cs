using System.Collections.Concurrent;
using System.Net;
using DhtNet.Mainline.Krpc;
using DhtNet.Mainline.Storage;

namespace DhtNet.Mainline;

// Sending one query to one node, with retransmission for lossy paths.
public sealed partial class DhtNode
{
    /// <summary>
    /// Sends <paramref name="query"/> and waits up to <see cref="DhtOptions.RequestTimeout"/> for
    /// the answer. When <see cref="DhtOptions.QueryAttempts"/> is above one, the query is sent
    /// again (with a fresh transaction id) at even intervals inside that window while no answer has
    /// come, and the first answer to any copy wins: on a lossy path this turns a lost packet into a
    /// short delay instead of a node wrongly taken for dead, and a dead node still costs one timeout.
    /// </summary>
    private async Task<KrpcResult> AskAsync(KrpcQuery query, IPEndPoint endPoint, CancellationToken cancellationToken)
    {
        var dispatcher = Dispatcher;
        var timeout = _options.RequestTimeout;
        if (_options.QueryAttempts == 1)
        {
            return await dispatcher.SendQueryAsync(query, endPoint, timeout, cancellationToken).ConfigureAwait(false);
        }

        var interval = timeout / _options.QueryAttempts;
        using var abandon = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var outstanding = new List<Task<KrpcResult>>(_options.QueryAttempts);
        var lastFailure = KrpcResult.Failed(KrpcResultStatus.Timeout);
        long start = _time.GetTimestamp();
        try
        {
            for (int attempt = 0; attempt < _options.QueryAttempts; attempt++)
            {
                var remaining = timeout - _time.GetElapsedTime(start);
                if (remaining <= TimeSpan.Zero)
                {
                    break;
                }

                outstanding.Add(dispatcher.SendQueryAsync(query, endPoint, remaining, abandon.Token));
                bool last = attempt == _options.QueryAttempts - 1;
                Task? nextCopy = last ? null : Task.Delay(interval, _time, abandon.Token);

                // Wait for an answer to any copy, or for the time to send the next one. A copy that
                // has already finished is in the list too, so a fast answer is never missed.
                while (outstanding.Count > 0)
                {
                    var first = await Task.WhenAny(nextCopy is null ? outstanding : [.. outstanding, nextCopy]).ConfigureAwait(false);
                    if (first == nextCopy)
                    {
                        break;
                    }

                    var copy = (Task<KrpcResult>)first;
                    outstanding.Remove(copy);
                    var result = await copy.ConfigureAwait(false);

                    // An answer wins; a copy that could not even be sent (full table, closed socket)
                    // will not do better next time.
                    if (result.NodeAnswered || result.Status is KrpcResultStatus.SendFailed or KrpcResultStatus.TooManyPending or KrpcResultStatus.Disposed)
                    {
                        return result;
                    }

                    lastFailure = result;
                }

                if (outstanding.Count == 0 && (nextCopy is null || !nextCopy.IsCompleted))
                {
                    break; // every copy timed out: the window is over
                }
            }

            return lastFailure;
        }
        finally
        {
            // Copies still out are abandoned: their transactions are released at once. (Cancel, not
            // CancelAsync: the latter runs callbacks on the thread pool, out of step with a virtual clock.)
            abandon.Cancel();
        }
    }

    /// <summary>
    /// Asks a node a lookup or storage needs, expecting an answer of type <typeparamref name="T"/>
    /// from the id we know it by: an answer under another id counts as none (the endpoint now
    /// belongs to someone else), and a timeout counts against the node in the routing table.
    /// </summary>
    private async Task<T?> AskNodeAsync<T>(KrpcQuery query, NodeInfo node, CancellationToken cancellationToken)
        where T : KrpcResponse
    {
        var result = await AskAsync(query, node.EndPoint, cancellationToken).ConfigureAwait(false);
        if (result.Response is T response && response.SenderId == node.Id)
        {
            return response;
        }

        if (result.Status == KrpcResultStatus.Timeout)
        {
            RecordFailure(node);
        }

        return null;
    }

    /// <summary>Keeps a node's write token for the announce or put that may follow the lookup.</summary>
    private static void KeepToken(ConcurrentDictionary<NodeId, NodeToken> tokens, NodeInfo node, ReadOnlyMemory<byte> token)
    {
        if (!token.IsEmpty)
        {
            tokens[node.Id] = new NodeToken(node, token.ToArray());
        }
    }
}
