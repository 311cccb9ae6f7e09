using System.Diagnostics;
using System.Text.Json;
using DhtNet.Interop.Tests.Harness;

namespace DhtNet.Interop.Tests.HttpApi;

/// <summary>Runs peers/http-api-clients.mjs: one real JavaScript client calling every operation of a plan.</summary>
public static class JsClients
{
    public const string Driver = "http-api-clients.mjs";

    private static readonly string[] Packages = ["ipfs-http-client", "kubo-rpc-client", "@helia/delegated-routing-v1-http-api-client"];

    /// <summary>Fails (never skips) when node or one of the clients is not installed, naming the fix.</summary>
    public static void Require()
    {
        Assert.True(PeerPaths.FindOnPath("node") is not null, $"node is not on PATH: apt-get install -y nodejs npm. {PeerRequirements.InstallHint}");
        foreach (string package in Packages)
        {
            string manifest = Path.Combine(PeerPaths.PeersDirectory, "node_modules", package, "package.json");
            Assert.True(File.Exists(manifest), $"{package} is not installed ({manifest} is missing): cd tests/DhtNet.Interop.Tests/peers && npm ci. {PeerRequirements.InstallHint}");
        }
    }

    /// <summary>The results object the driver prints: call name → {ok, value} or {ok:false, error, message}.</summary>
    public static async Task<JsonElement> RunAsync(string client, object plan)
    {
        Require();
        var info = new ProcessStartInfo("node")
        {
            WorkingDirectory = PeerPaths.PeersDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in new[] { "--import", "./polyfill.mjs", Driver, client, JsonSerializer.Serialize(plan) })
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment.Remove("DEBUG");
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{client} driver did not finish in 120 s: {await stderr}");
        }

        Assert.True(process.ExitCode == 0, $"{client} driver exited with {process.ExitCode}: {await stderr}");
        return JsonDocument.Parse(await stdout).RootElement;
    }

    public static JsonElement Ok(JsonElement results, string call)
    {
        var result = results.GetProperty(call);
        Assert.True(result.GetProperty("ok").GetBoolean(), $"{call} failed: {result}");
        return result.GetProperty("value");
    }

    public static JsonElement Failed(JsonElement results, string call)
    {
        var result = results.GetProperty(call);
        Assert.False(result.GetProperty("ok").GetBoolean(), $"{call} should have failed: {result}");
        return result;
    }
}
