using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace DhtNet.Cli.Api;

/// <summary>
/// The events of one DHT operation with the hops of its lookup interleaved as they happen (sending-query
/// and peer-response events read off the wire), so a client sees the lookup progress, not only its
/// outcome. Every operation of every network runs through here, which is also where the API counts
/// the operations pending.
/// </summary>
internal static class HopStream
{
    /// <summary>Hop events one request streams at most (a lookup asks tens of peers; a stuck one no more).</summary>
    public const int MaxHopEvents = 2000;

    private static long _pending;

    /// <summary>Operations running now, over every network (the dhtnet.api.queries.pending gauge).</summary>
    public static long Pending => Volatile.Read(ref _pending);

    /// <param name="follow">Subscribes a sink to the hops of the operation's lookup; null when hops are not observed.</param>
    /// <param name="run">The operation's own events; failures end the stream with the same exception.</param>
    public static async IAsyncEnumerable<QueryEvent> RunAsync(
        Func<Action<QueryEvent>, IDisposable?> follow,
        Func<CancellationToken, IAsyncEnumerable<QueryEvent>> run,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var events = Channel.CreateUnbounded<QueryEvent>(new UnboundedChannelOptions { SingleReader = true });
        int hops = 0;
        using var following = follow(e =>
        {
            if (Interlocked.Increment(ref hops) <= MaxHopEvents)
            {
                events.Writer.TryWrite(e);
            }
        });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Interlocked.Increment(ref _pending);
        var work = Task.Run(
            async () =>
            {
                try
                {
                    await foreach (var e in run(stop.Token).ConfigureAwait(false))
                    {
                        events.Writer.TryWrite(e);
                    }

                    events.Writer.TryComplete();
                }
                catch (Exception e)
                {
                    events.Writer.TryComplete(e);
                }
                finally
                {
                    Interlocked.Decrement(ref _pending);
                }
            },
            CancellationToken.None);
        try
        {
            await foreach (var e in events.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                yield return e;
            }
        }
        finally
        {
            // A reader that leaves early (client gone, enough found) ends the operation too.
            await stop.CancelAsync().ConfigureAwait(false);
            await work.ConfigureAwait(false);
        }
    }
}
