using System.Diagnostics;
using System.Text.Json;
using DhtNet.Cli.Output;

namespace DhtNet.Tests.Cli;

/// <summary>--verbose's trace on its own: each query it shows gets exactly one answer, even when the command ends first.</summary>
public sealed class LookupTraceTests
{
    [Fact]
    public void Dispose_RequestsStillOut_EachShownCancelledOnceAndNothingAfter()
    {
        var stdout = new StringWriter();
        var output = new CliOutput(new CliConsole(stdout, new StringWriter()), json: true);
        string localId = NodeId.Random().ToString();
        var trace = new LookupTrace(output, () => localId);
        using var answered = StartRequest(localId, "ping");
        using var abandoned = StartRequest(localId, "find_node");
        answered.SetTag(DhtActivity.OutcomeTag, "answered");
        answered.Stop();

        trace.Dispose();
        trace.Dispose();

        // The answer that comes after the command ended is not shown: the trace already said "cancelled".
        abandoned.SetTag(DhtActivity.OutcomeTag, "answered");
        abandoned.Stop();
        string[] events = [.. stdout.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(Describe)];
        Assert.Equal(["query ping", "query find_node", "answer ping answered", "answer find_node cancelled"], events);
    }

    [Fact]
    public void Stop_LocalIdChangedWhileOut_AnswerStillShown()
    {
        var stdout = new StringWriter();
        var output = new CliOutput(new CliConsole(stdout, new StringWriter()), json: true);
        string localId = NodeId.Random().ToString();
        using var trace = new LookupTrace(output, () => localId);
        using var request = StartRequest(localId, "find_node");

        // BEP 42: a node may take a new id after its first answers tell it its address.
        localId = NodeId.Random().ToString();
        request.SetTag(DhtActivity.OutcomeTag, "timeout");
        request.Stop();

        string[] events = [.. stdout.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(Describe)];
        Assert.Equal(["query find_node", "answer find_node timeout"], events);
    }

    // A request outside a lookup, as the node starts one: it names the asking node.
    private static Activity StartRequest(string localId, string query) =>
        DhtActivity.Source.StartActivity(DhtActivity.RequestName, ActivityKind.Client, default(ActivityContext), [
            new(DhtActivity.PeerAddressTag, "127.0.0.1:6881"),
            new(DhtActivity.QueryTag, query),
            new(DhtActivity.LocalIdTag, localId),
        ]) ?? throw new InvalidOperationException("The trace did not sample the request.");

    private static string Describe(string line)
    {
        using var json = JsonDocument.Parse(line);
        var e = json.RootElement;
        Assert.Equal("trace", e.GetProperty("type").GetString());
        string name = e.GetProperty("event").GetString()!;
        string query = e.GetProperty("query").GetString()!;
        return e.TryGetProperty("outcome", out var outcome) ? $"{name} {query} {outcome.GetString()}" : $"{name} {query}";
    }
}
