using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using DhtNet.Tests.Cli;

namespace DhtNet.Tests.Samples;

/// <summary>
/// Each program in samples/ (built with the solution) runs as a process against a swarm of real
/// nodes on 127.0.0.1 and must find the swarm's node closest to a key.
/// </summary>
public sealed partial class SampleTests(LoopbackSwarm swarm) : IClassFixture<LoopbackSwarm>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    // What the samples need to join the swarm: loopback only, any free port, the swarm to bootstrap from.
    private string[] HostSettings =>
        ["--DhtNet:Port=0", "--DhtNet:BindAddresses=127.0.0.1", $"--DhtNet:BootstrapNodes={swarm.Bootstrap}", "--DhtNet:RequestTimeout=00:00:02"];

    private NodeId ClosestInSwarm(NodeId key) =>
        swarm.Nodes.Select(n => n.Id).Order(Comparer<NodeId>.Create((a, b) => NodeId.CompareDistance(a, b, key))).First();

    [Fact]
    public async Task ConsoleNode_AgainstSwarm_PrintsClosestNodes()
    {
        var key = NodeId.Random();

        var result = await CliProcess.RunProgramAsync(Timeout, "dotnet", [RepositoryPaths.Sample("ConsoleNode"), swarm.Bootstrap, key.ToString()]);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains($"closest to {key}", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains(ClosestInSwarm(key).ToString(), result.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WorkerNode_AgainstSwarm_LooksUpAndStopsOnSigterm()
    {
        string dll = RepositoryPaths.Sample("WorkerNode");
        await using var worker = CliProcess.StartProgram("dotnet", [dll, .. HostSettings, "--Worker:Interval=00:00:01"], Path.GetDirectoryName(dll));

        string line = await worker.ReadLineAsync(l => l.Contains("Closest to ", StringComparison.Ordinal), Timeout);
        Assert.Matches(@"Closest to [0-9a-f]{40}: [1-9][0-9]* nodes", line);

        await worker.TerminateAsync();
        var result = await worker.WaitForExitAsync(Timeout);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("Application is shutting down", result.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LookupApi_GetClosest_ReturnsClosestNodesAsJson()
    {
        string dll = RepositoryPaths.Sample("LookupApi");
        await using var api = CliProcess.StartProgram("dotnet", [dll, "--urls", "http://127.0.0.1:0", .. HostSettings], Path.GetDirectoryName(dll));
        var listening = ListeningLine().Match(await api.ReadLineAsync(l => ListeningLine().IsMatch(l), Timeout));

        using var http = new HttpClient { BaseAddress = new Uri(listening.Groups[1].Value), Timeout = Timeout };
        var key = NodeId.Random();
        using var response = await http.GetAsync($"/closest/{key}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(key.ToString(), json.RootElement.GetProperty("key").GetString());
        var ids = json.RootElement.GetProperty("nodes").EnumerateArray().Select(n => n.GetProperty("id").GetString()).ToList();
        Assert.Contains(ClosestInSwarm(key).ToString(), ids);

        using var bad = await http.GetAsync("/closest/not-a-key");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("40 hex digits", await bad.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        await api.TerminateAsync();
        var result = await api.WaitForExitAsync(Timeout);
        Assert.True(result.ExitCode == 0, result.ToString());
    }

    [GeneratedRegex(@"Now listening on: (http://127\.0\.0\.1:\d+)")]
    private static partial Regex ListeningLine();
}
