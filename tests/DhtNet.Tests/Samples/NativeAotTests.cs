using DhtNet.Tests.Cli;

namespace DhtNet.Tests.Samples;

/// <summary>
/// The library under Native AOT: scripts/aot.sh publishes samples/NativeNode with all of DhtNet
/// compiled and analysed (a trim or AOT warning fails it), and the native executable then joins a
/// swarm on 127.0.0.1, looks up, provides, stores a signed item and restarts from its SQLite state.
/// </summary>
public sealed class NativeAotTests(LoopbackSwarm swarm) : IClassFixture<LoopbackSwarm>
{
    // ILC takes a few minutes of both cores; longer while the rest of the suite runs beside it.
    private static readonly TimeSpan PublishTimeout = TimeSpan.FromMinutes(20);

    [Fact]
    public async Task NativeNode_PublishedWithNativeAot_RunsEveryOperationAgainstSwarm()
    {
        string output = Path.Combine(Path.GetTempPath(), $"dhtnet-aot-{Guid.NewGuid():N}");
        try
        {
            var publish = await CliProcess.RunProgramAsync(PublishTimeout, "bash", [Path.Combine(RepositoryPaths.Root, "scripts", "aot.sh"), "--output", output]);
            Assert.True(publish.ExitCode == 0, publish.ToString());
            string executable = publish.StandardOutput.Trim().Split('\n')[^1];
            Assert.Equal(Path.Combine(output, "NativeNode"), executable);

            // No managed entry assembly beside it: this is the native program, not a JIT one.
            Assert.False(File.Exists(Path.Combine(output, "NativeNode.dll")));

            var run = await CliProcess.RunProgramAsync(TimeSpan.FromSeconds(60), executable, [swarm.Bootstrap]);

            Assert.True(run.ExitCode == 0, run.ToString());
            Assert.Matches(@"query: [1-9][0-9]* closest to", run.StandardOutput);
            Assert.Matches(@"provide: stored on [1-9][0-9]* nodes, found 1 provider", run.StandardOutput);
            Assert.Contains("get: same value back", run.StandardOutput, StringComparison.Ordinal);
            Assert.Contains("restart: same id", run.StandardOutput, StringComparison.Ordinal);
        }
        finally
        {
            if (Directory.Exists(output))
            {
                Directory.Delete(output, recursive: true);
            }
        }
    }
}
