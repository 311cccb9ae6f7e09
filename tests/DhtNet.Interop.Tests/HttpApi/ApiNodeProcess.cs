using System.Text.Json;
using DhtNet.Interop.Tests.Harness;

namespace DhtNet.Interop.Tests.HttpApi;

/// <summary>
/// `dht node --api 127.0.0.1:0` as a real process, joined to a swarm of DhtNet nodes on 127.0.0.1:
/// what the JavaScript clients talk to.
/// </summary>
public sealed class ApiNodeProcess : IAsyncLifetime
{
    private ChildProcess? _process;
    private readonly TaskCompletionSource<string> _url = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<string> _id = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public DhtNetSwarm Swarm { get; private set; } = null!;

    /// <summary>http://127.0.0.1:port of the node's API.</summary>
    public string Url { get; private set; } = "";

    /// <summary>The node's id, 40 hex digits.</summary>
    public string NodeId { get; private set; } = "";

    public async Task InitializeAsync()
    {
        Swarm = await DhtNetSwarm.StartAsync(12);
        string dll = CliPath();
        Assert.True(File.Exists(dll), $"{dll} is missing: build the solution first (dotnet build DhtNet.slnx -c Release)");
        _process = ChildProcess.Start(
            "dht node",
            "dotnet",
            [dll, "node", "--network", "mainline", "--port", "0", "--bind", "127.0.0.1", "--bootstrap", Swarm[0].EndPoint.ToString(), "--api", "127.0.0.1:0", "--json", "--log-level", "warning"],
            AppContext.BaseDirectory,
            OnLine);
        var started = await Task.WhenAny(Task.WhenAll(_url.Task, _id.Task), _process.Exited, Task.Delay(TimeSpan.FromSeconds(60)));
        Assert.True(_url.Task.IsCompleted && _id.Task.IsCompleted, $"dht node did not report its API: {_process.Describe()}");
        Url = _url.Task.Result;
        NodeId = _id.Task.Result;
    }

    public async Task DisposeAsync()
    {
        if (_process is not null)
        {
            await _process.DisposeAsync();
        }

        await Swarm.DisposeAsync();
    }

    public string Describe() => _process?.Describe() ?? "not started";

    private void OnLine(string line)
    {
        try
        {
            using var json = JsonDocument.Parse(line);
            var root = json.RootElement;
            switch (root.GetProperty("type").GetString())
            {
                case "api":
                    _url.TrySetResult(root.GetProperty("url").GetString()!);
                    break;
                case "listening":
                    _id.TrySetResult(root.GetProperty("id").GetString()!);
                    break;
            }
        }
        catch (JsonException)
        {
        }
    }

    /// <summary>dht.dll of the same configuration as this test assembly (bin/Release/net10.0 → Release).</summary>
    private static string CliPath()
    {
        var testBin = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        string framework = testBin.Name;
        string configuration = testBin.Parent!.Name;
        for (var dir = testBin; dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "DhtNet.slnx")))
            {
                return Path.Combine(dir.FullName, "src", "DhtNet.Cli", "bin", configuration, framework, "dht.dll");
            }
        }

        throw new DirectoryNotFoundException($"No DhtNet.slnx above {AppContext.BaseDirectory}.");
    }
}
