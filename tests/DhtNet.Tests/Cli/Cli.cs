using DhtNet.Cli;
using DhtNet.Cli.Output;

namespace DhtNet.Tests.Cli;

/// <summary>Where a test runs `dht`: inside the test process (fast, same code) or as the built tool.</summary>
public enum CliHost
{
    InProcess,
    Process,
}

/// <summary>Runs `dht` with arguments in either host and returns what it printed.</summary>
internal static class Cli
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    public static Task<CliResult> RunAsync(CliHost host, params string[] args) =>
        host == CliHost.Process ? CliProcess.RunAsync(Timeout, args) : RunInProcessAsync(args);

    public static async Task<CliResult> RunInProcessAsync(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int exitCode = await DhtCli.RunAsync(args, new CliConsole(stdout, stderr)).WaitAsync(Timeout);
        return new CliResult(exitCode, stdout.ToString(), stderr.ToString());
    }

    /// <summary>40 random hex digits.</summary>
    public static string RandomHex() => NodeId.Random().ToString();
}
