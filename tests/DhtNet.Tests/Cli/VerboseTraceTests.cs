using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace DhtNet.Tests.Cli;

/// <summary>--verbose: every request the command's node sends and every answer, as they happen.</summary>
public sealed class VerboseTraceTests(LoopbackSwarm swarm) : IClassFixture<LoopbackSwarm>
{
    [Theory]
    [InlineData(CliHost.InProcess)]
    [InlineData(CliHost.Process)]
    public async Task FindProviders_VerboseJson_TracesEachQueryAndItsAnswer(CliHost host)
    {
        var infoHash = NodeId.Random();
        Assert.True((await swarm.Nodes[4].ProvideAsync(infoHash, 4343)).Stored > 0);

        var result = (await Cli.RunAsync(host, "findprovs", infoHash.ToString(), "--bootstrap", swarm.Bootstrap, "--json", "--verbose")).AssertSuccess();

        var trace = result.Json("trace");
        Assert.Contains(trace, e => Event(e) == "lookup" && e.GetProperty("operation").GetString() == "findprovs" && e.GetProperty("target").GetString() == infoHash.ToString());
        Assert.Contains(trace, e => Event(e) == "lookup-end" && e.GetProperty("target").GetString() == infoHash.ToString());
        var queries = trace.Where(e => Event(e) == "query").ToList();
        var answers = trace.Where(e => Event(e) == "answer").ToList();

        // Only this command's node is traced: every request went to a swarm node (in process, the
        // swarm's own requests to one another are not shown), and each one ended exactly once.
        var swarmAddresses = swarm.Nodes.Select(n => LoopbackSwarm.EndPoint(n).ToString()).ToHashSet();
        Assert.All(queries, q => Assert.Contains(q.GetProperty("address").GetString()!, swarmAddresses));
        Assert.Equal(
            queries.Select(Key).Order(StringComparer.Ordinal),
            answers.Select(Key).Order(StringComparer.Ordinal));
        Assert.All(answers, a => Assert.Contains(a.GetProperty("outcome").GetString(), new[] { "answered", "timeout", "error", "cancelled", "failed" }));

        // The lookup's get_peers: who answered is named by id, with what it gave and how long it took.
        var lookupAnswers = answers.Where(a => a.GetProperty("query").GetString() == "get_peers" && a.TryGetProperty("lookup", out _)).ToList();
        Assert.NotEmpty(lookupAnswers);
        var answered = lookupAnswers.Where(a => a.GetProperty("outcome").GetString() == "answered").ToList();
        Assert.NotEmpty(answered);
        Assert.All(answered, a =>
        {
            var node = swarm.Nodes.Single(n => n.Id.ToString() == a.GetProperty("id").GetString());
            Assert.Equal(LoopbackSwarm.EndPoint(node).ToString(), a.GetProperty("address").GetString());
            Assert.True(a.GetProperty("nodes").GetInt32() >= 0);
            Assert.True(a.GetProperty("elapsedMs").GetInt64() >= 0);
            Assert.Equal(infoHash.ToString(), a.GetProperty("target").GetString());
        });
        Assert.Contains(answered, a => a.TryGetProperty("peers", out var peers) && peers.GetInt32() >= 1);

        // Events come in the order they happened: a request's answer never precedes its query.
        var at = trace.Select(e => e.GetProperty("atMs").GetInt64()).ToList();
        Assert.Equal(at.Order(), at);
        Assert.Single(result.Json("provider"));
    }

    [Theory]
    [InlineData(CliHost.InProcess)]
    [InlineData(CliHost.Process)]
    public async Task Query_VerboseText_PrintsTraceOnStandardErrorAndResultOnStandardOutput(CliHost host)
    {
        var key = NodeId.Random();

        var result = (await Cli.RunAsync(host, "query", key.ToString(), "--bootstrap", swarm.Bootstrap, "--verbose")).AssertSuccess();

        var closest = swarm.Nodes.MinBy(n => n.Id.Xor(key))!;
        string closestAddress = LoopbackSwarm.EndPoint(closest).ToString();
        Assert.Contains($"lookup query {key}", result.StandardError);
        Assert.Contains($"-> {closestAddress}", result.StandardError);
        Assert.Matches($@"<- {Regex(closestAddress)} {closest.Id.ToString()[..12]} find_node answered after [0-9.]+ m?s: [0-9]+ nodes?", result.StandardError);
        Assert.DoesNotContain("->", result.StandardOutput);
        Assert.Contains($"closest to {key}", result.StandardOutput);
    }

    [Fact]
    public async Task Ping_VerboseJson_TracesThePingOutsideAnyLookup()
    {
        var target = swarm.Nodes[2];
        string address = LoopbackSwarm.EndPoint(target).ToString();

        var result = (await Cli.RunInProcessAsync("ping", address, "--json", "--verbose")).AssertSuccess();

        var query = Assert.Single(result.Json("trace"), e => Event(e) == "query");
        Assert.Equal("ping", query.GetProperty("query").GetString());
        Assert.Equal(address, query.GetProperty("address").GetString());
        Assert.False(query.TryGetProperty("lookup", out _));
        var answer = Assert.Single(result.Json("trace"), e => Event(e) == "answer");
        Assert.Equal("answered", answer.GetProperty("outcome").GetString());
        Assert.Equal(target.Id.ToString(), answer.GetProperty("id").GetString());
        Assert.False(answer.TryGetProperty("nodes", out _)); // a pong names no nodes
        Assert.Single(result.Json("pong"));
    }

    [Fact]
    public async Task Ping_VerboseSilentNode_TracesTheTimeout()
    {
        // Bound, so nothing answers "port unreachable": the query just goes unanswered.
        using var silent = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        silent.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        string address = silent.LocalEndPoint!.ToString()!;

        var result = await Cli.RunInProcessAsync("ping", address, "--json", "--verbose");

        var answer = Assert.Single(result.Json("trace"), e => Event(e) == "answer");
        Assert.Equal(address, answer.GetProperty("address").GetString());
        Assert.Equal("timeout", answer.GetProperty("outcome").GetString());
        Assert.False(answer.TryGetProperty("nodes", out _));

        // The node waits its request timeout (3 s by default) before it calls the node silent.
        Assert.InRange(answer.GetProperty("elapsedMs").GetInt64(), 2_500, 30_000);
    }

    [Fact]
    public async Task Query_WithoutVerbose_PrintsNoTrace()
    {
        var result = (await Cli.RunInProcessAsync("query", Cli.RandomHex(), "--bootstrap", swarm.Bootstrap, "--json")).AssertSuccess();

        Assert.Empty(result.Json("trace"));
    }

    private static string Event(JsonElement e) => e.GetProperty("event").GetString()!;

    private static string Key(JsonElement e) => $"{e.GetProperty("query").GetString()} {e.GetProperty("address").GetString()}";

    private static string Regex(string text) => System.Text.RegularExpressions.Regex.Escape(text);
}
