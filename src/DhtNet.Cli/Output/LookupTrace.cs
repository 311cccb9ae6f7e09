using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace DhtNet.Cli.Output;

/// <summary>
/// --verbose: prints, as they happen, the lookups of one node and every request it sends (inside a
/// lookup or not: pings, announces, stores): whom it asked, what came back (nodes, peers, a value,
/// an error) and how long it took. Read from the library's <see cref="DhtActivity"/> traces through an
/// <see cref="ActivityListener"/>, so it shows what the node did, not what the command meant to do.
/// Text goes to standard error, one line per event, so standard output keeps the command's result;
/// in JSON mode each event is a {"type":"trace",...} line on standard output. Every query shown gets
/// its answer event: one still out when the trace ends (the command is done) is shown "cancelled" then.
/// </summary>
internal sealed class LookupTrace : IDisposable
{
    private readonly CliOutput _output;
    private readonly Func<string> _localId;
    private readonly long _started = Stopwatch.GetTimestamp();
    private readonly ActivityListener _listener;
    private readonly Lock _gate = new();

    // Requests whose query was shown and whose answer was not yet: each gets exactly one answer event.
    private readonly HashSet<Activity> _open = [];
    private bool _ended;

    /// <param name="output">Where the events go.</param>
    /// <param name="localId">
    /// The traced node's id as its activities carry it (a Mainline node id in hex, an IPFS peer id),
    /// read at each event (BEP 42 may change a Mainline id at start).
    /// </param>
    public LookupTrace(CliOutput output, Func<string> localId)
    {
        _output = output;
        _localId = localId;
        _listener = new ActivityListener
        {
            ShouldListenTo = static source => source.Name == DhtActivity.SourceName,
            Sample = Sample,
            ActivityStarted = activity => OnActivity(activity, ended: false),
            ActivityStopped = activity => OnActivity(activity, ended: true),
        };
        ActivitySource.AddActivityListener(_listener);
    }

    /// <summary>
    /// Ends the trace with the command's work. Requests still out (a lookup ends with some unanswered,
    /// a bootstrap's stragglers) are abandoned by the command: each is shown "cancelled" now, so the
    /// trace the command leaves is whole, and nothing is shown after it.
    /// </summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_ended)
            {
                return;
            }

            _ended = true;
            foreach (var request in _open)
            {
                EmitAnswer(request, "cancelled", DateTime.UtcNow - request.StartTimeUtc, "the command ended first");
            }

            _open.Clear();
        }

        _listener.Dispose();
    }

    // Our node's lookups and requests are recorded; requests of a recorded lookup are its children.
    // Other nodes in the process (tests run many) are left alone unless another listener wants them.
    private ActivitySamplingResult Sample(ref ActivityCreationOptions<ActivityContext> options)
    {
        if (options.Name is not (DhtActivity.LookupName or DhtActivity.RequestName))
        {
            return ActivitySamplingResult.None;
        }

        if (options.Tags?.FirstOrDefault(t => t.Key == DhtActivity.LocalIdTag).Value is string id)
        {
            return IsMine(id) ? ActivitySamplingResult.AllDataAndRecorded : ActivitySamplingResult.None;
        }

        return options.Name == DhtActivity.RequestName && (options.Parent.TraceFlags & ActivityTraceFlags.Recorded) != 0
            ? ActivitySamplingResult.AllDataAndRecorded
            : ActivitySamplingResult.None;
    }

    private void OnActivity(Activity activity, bool ended)
    {
        // Events come from several receive threads: each is decided and written under one lock, with
        // the time read there too, so the trace reads in the order it happened.
        lock (_gate)
        {
            if (_ended)
            {
                return;
            }

            if (activity.OperationName == DhtActivity.LookupName)
            {
                if (IsMine(activity))
                {
                    EmitLookup(activity, ended);
                }
            }
            else if (!ended)
            {
                if (IsMine(activity))
                {
                    _open.Add(activity);
                    EmitQuery(activity);
                }
            }
            else if (_open.Remove(activity))
            {
                // Answered for the query shown, even if the node's id changed meanwhile (BEP 42).
                EmitAnswer(activity, activity.GetTagItem(DhtActivity.OutcomeTag) as string ?? "failed", activity.Duration, activity.GetTagItem(DhtActivity.ErrorTag) as string);
            }
        }
    }

    private void EmitQuery(Activity activity)
    {
        string query = Text(activity, DhtActivity.QueryTag);
        string address = Text(activity, DhtActivity.PeerAddressTag);
        string? id = activity.GetTagItem(DhtActivity.PeerIdTag) as string;
        Emit(
            $"  -> {address}{(id is null ? "" : $" {Short(id)}")} {query}",
            w =>
            {
                WriteRequest(w, "query", query, address, id);

                WriteLookup(w, activity.Parent);
            });
    }

    private void EmitAnswer(Activity activity, string outcome, TimeSpan elapsed, string? error)
    {
        string query = Text(activity, DhtActivity.QueryTag);
        string address = Text(activity, DhtActivity.PeerAddressTag);
        string? id = activity.GetTagItem(DhtActivity.PeerIdTag) as string;
        int? nodes = (activity.GetTagItem(DhtActivity.NodesTag) as string[])?.Length;
        int? peers = activity.GetTagItem(DhtActivity.PeersTag) as int?;
        int? valueBytes = activity.GetTagItem(DhtActivity.ValueBytesTag) as int?;

        string what = outcome switch
        {
            "answered" => string.Join(", ", Parts(nodes, peers, valueBytes)),
            _ => error ?? "",
        };
        Emit(
            $"  <- {address}{(id is null ? "" : $" {Short(id)}")} {query} {outcome} after {Display.Duration(elapsed)}{(what.Length == 0 ? "" : $": {what}")}",
            w =>
            {
                WriteRequest(w, "answer", query, address, id);

                w.WriteString("outcome", outcome);
                if (outcome == "answered")
                {
                    if (nodes is { } n)
                    {
                        w.WriteNumber("nodes", n);
                    }

                    if (peers is { } p)
                    {
                        w.WriteNumber("peers", p);
                    }

                    if (valueBytes is { } v)
                    {
                        w.WriteNumber("valueBytes", v);
                    }
                }

                if (error is not null)
                {
                    w.WriteString("error", error);
                }

                w.WriteNumber("elapsedMs", Display.Milliseconds(elapsed));
                WriteLookup(w, activity.Parent);
            });
    }

    private void EmitLookup(Activity lookup, bool ended)
    {
        string operation = Text(lookup, DhtActivity.OperationTag);
        string target = Text(lookup, DhtActivity.TargetTag);
        Emit(
            ended ? $"lookup {operation} {target} ended after {Display.Duration(lookup.Duration)}" : $"lookup {operation} {target}",
            w =>
            {
                w.WriteString("event", ended ? "lookup-end" : "lookup");
                w.WriteString("operation", operation);
                w.WriteString("target", target);
                if (ended)
                {
                    w.WriteNumber("elapsedMs", Display.Milliseconds(lookup.Duration));
                }
            });
    }

    private static IEnumerable<string> Parts(int? nodes, int? peers, int? valueBytes)
    {
        if (nodes is { } n)
        {
            yield return Display.Count(n, "node");
        }

        if (peers is { } p)
        {
            yield return Display.Count(p, "peer");
        }

        if (valueBytes is { } v)
        {
            yield return $"a value of {Display.Count(v, "byte")}";
        }
    }

    private static void WriteRequest(Utf8JsonWriter writer, string name, string query, string address, string? id)
    {
        writer.WriteString("event", name);
        writer.WriteString("query", query);
        writer.WriteString("address", address);
        if (id is not null)
        {
            writer.WriteString("id", id);
        }
    }

    private static void WriteLookup(Utf8JsonWriter writer, Activity? parent)
    {
        if (parent is { OperationName: DhtActivity.LookupName })
        {
            writer.WriteString("lookup", Text(parent, DhtActivity.OperationTag));
            writer.WriteString("target", Text(parent, DhtActivity.TargetTag));
        }
    }

    // Called holding _gate.
    private void Emit(string text, Action<Utf8JsonWriter> fields)
    {
        long at = Display.Milliseconds(Stopwatch.GetElapsedTime(_started));
        if (_output.IsJson)
        {
            _output.Json("trace", w =>
            {
                w.WriteNumber("atMs", at);
                fields(w);
            });
        }
        else
        {
            _output.Progress($"{(at / 1000.0).ToString("0.000", CultureInfo.InvariantCulture)} {text}");
        }
    }

    // A lookup and a request outside one name the node; a lookup's request is ours when its lookup is.
    private bool IsMine(Activity activity) =>
        activity.Source == DhtActivity.Source
        && (activity.GetTagItem(DhtActivity.LocalIdTag) is string id
            ? IsMine(id)
            : activity.Parent is { OperationName: DhtActivity.LookupName } lookup && lookup.GetTagItem(DhtActivity.LocalIdTag) is string lookupId && IsMine(lookupId));

    private bool IsMine(string id) => string.Equals(id, _localId(), StringComparison.Ordinal);

    private static string Text(Activity activity, string tag) => activity.GetTagItem(tag) as string ?? "";

    // The first 12 hex digits tell nodes apart in a trace; JSON keeps the whole id.
    private static string Short(string id) => id.Length > 12 ? id[..12] : id;

}
