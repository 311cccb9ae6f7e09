using System.Buffers;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace DhtNet.Cli.Api;

/// <summary>Writes the RPC's JSON: kubo's error object and NDJSON event streams.</summary>
internal static class ApiResponses
{
    /// <summary>kubo's error kinds: 0 a failure of the operation, 1 a fault of the request.</summary>
    public const int NormalError = 0;

    public const int ClientError = 1;

    public static async Task WriteErrorAsync(HttpContext context, int status, string message, int code)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await using var writer = new Utf8JsonWriter(context.Response.Body);
        writer.WriteStartObject();
        writer.WriteString("Message"u8, message);
        writer.WriteNumber("Code"u8, code);
        writer.WriteString("Type"u8, "error"u8);
        writer.WriteEndObject();
    }

    public static async Task WriteJsonAsync(HttpContext context, Action<Utf8JsonWriter> write)
    {
        context.Response.ContentType = "application/json";
        await using var writer = new Utf8JsonWriter(context.Response.Body);
        write(writer);
        await writer.FlushAsync(context.RequestAborted);
    }

    /// <summary>
    /// Streams <paramref name="events"/> one JSON object per line, flushing each as it comes. A
    /// <paramref name="timeout"/> that runs out before the first event is an error whose message
    /// says "context deadline exceeded" (the clients raise their timeout error on it); after it the
    /// stream ends with what was found. A failure after the first line becomes a query-error event.
    /// </summary>
    /// <param name="holdHops">
    /// Keep the hop events (sending query, peer response) until the first result, so that an
    /// operation that ends in "not found" or a timeout before any result is still an HTTP error,
    /// which the clients raise; once a result is out, hops stream as they happen. Off for query,
    /// whose only results are the final peers at the end.
    /// </param>
    public static async Task WriteEventsAsync(HttpContext context, IAsyncEnumerable<QueryEvent> events, TimeSpan? timeout, bool holdHops = true)
    {
        using var deadline = new CancellationTokenSource();
        if (timeout is { } limit)
        {
            // Below a millisecond the timer would fire "soon", racing a fast lookup: such a deadline is already past.
            if (limit < TimeSpan.FromMilliseconds(1))
            {
                await deadline.CancelAsync();
            }
            else
            {
                deadline.CancelAfter(limit);
            }
        }

        using var linked = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, deadline.Token);
        bool started = false;
        var held = new List<QueryEvent>();
        var response = context.Response;
        await using var writer = new Utf8JsonWriter(response.BodyWriter, new JsonWriterOptions { SkipValidation = true });

        // The held hops go out in one write with the line that follows them, not one network flush each.
        void WriteHeld()
        {
            foreach (var hop in held)
            {
                WriteLine(writer, response, hop);
            }

            held.Clear();
        }

        try
        {
            await foreach (var e in events.WithCancellation(linked.Token).ConfigureAwait(false))
            {
                if (!started && holdHops && IsHop(e))
                {
                    if (held.Count < MaxHeldHops)
                    {
                        held.Add(e);
                    }

                    continue;
                }

                Start(response, ref started);
                WriteHeld();
                await WriteLineAsync(writer, response, e, context.RequestAborted);
            }

            // Lookups stopped by the deadline may end quietly rather than throw: nothing found in time is a timeout.
            if (!started && deadline.IsCancellationRequested && !context.RequestAborted.IsCancellationRequested)
            {
                throw new ApiOperationException(ApiOperationException.DeadlineExceeded);
            }

            Start(response, ref started);
            WriteHeld();
            await response.BodyWriter.FlushAsync(context.RequestAborted);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !context.RequestAborted.IsCancellationRequested)
        {
            if (!started)
            {
                throw new ApiOperationException(ApiOperationException.DeadlineExceeded);
            }
        }
        catch (ApiOperationException) when (!started && deadline.IsCancellationRequested && !context.RequestAborted.IsCancellationRequested)
        {
            // A lookup cut short by the deadline ends with nothing found: say why.
            throw new ApiOperationException(ApiOperationException.DeadlineExceeded);
        }
        catch (ApiOperationException e) when (started)
        {
            await WriteLineAsync(writer, response, new QueryEvent(QueryEventType.QueryError, Extra: e.Message), context.RequestAborted);
        }
    }

    /// <summary>Hop events kept before the first result (a lookup asks tens of nodes).</summary>
    private const int MaxHeldHops = 1000;

    // A query error naming a peer is a hop too (that peer did not answer; the lookup goes on), so a
    // failure of the whole operation that follows is still answered with its HTTP error.
    private static bool IsHop(QueryEvent e) =>
        e.Type is QueryEventType.SendingQuery or QueryEventType.PeerResponse or QueryEventType.AddingPeer or QueryEventType.DialingPeer
        || (e.Type == QueryEventType.QueryError && e.Id.Length > 0);

    private static void Start(HttpResponse response, ref bool started)
    {
        if (started)
        {
            return;
        }

        // kubo's headers for a streamed command; both clients read the body line by line.
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/json";
        response.Headers["X-Chunked-Output"] = "1";
        started = true;
    }

    private static async Task WriteLineAsync(Utf8JsonWriter writer, HttpResponse response, QueryEvent e, CancellationToken cancellationToken)
    {
        WriteLine(writer, response, e);
        await response.BodyWriter.FlushAsync(cancellationToken);
    }

    /// <summary>One event and its newline into the response's buffer (the writer commits to the pipe; nothing is sent yet).</summary>
    private static void WriteLine(Utf8JsonWriter writer, HttpResponse response, QueryEvent e)
    {
        e.WriteTo(writer);
        writer.Flush();
        writer.Reset();
        response.BodyWriter.Write("\n"u8);
    }
}
