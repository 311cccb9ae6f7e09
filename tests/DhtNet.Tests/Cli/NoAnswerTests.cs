using System.Net;
using System.Net.Sockets;

namespace DhtNet.Tests.Cli;

/// <summary>Exit code 3 when no node answers: a silent bootstrap node, or a silent node pinged or sampled.</summary>
public sealed class NoAnswerTests : IDisposable
{
    // Bound but never read: datagrams to it vanish without an ICMP error, like a node that is gone.
    private readonly UdpClient _silent = new(new IPEndPoint(IPAddress.Loopback, 0));

    private string Silent => _silent.Client.LocalEndPoint!.ToString()!;

    public void Dispose() => _silent.Dispose();

    [Theory]
    [InlineData(CliHost.InProcess, false)]
    [InlineData(CliHost.Process, true)]
    public async Task Query_SilentBootstrapNode_ExitsThree(CliHost host, bool json)
    {
        var result = await Cli.RunAsync(host, LookupCommandTests.Args(json, "query", Cli.RandomHex(), "--bootstrap", Silent));

        Assert.True(result.ExitCode == 3, result.ToString());
        Assert.Contains($"no node answered: bootstrap from {Silent} failed", result.StandardError);
        Assert.Equal(string.Empty, result.StandardOutput);
        result.AssertNoStackTrace();
    }

    [Fact]
    public async Task Query_UnresolvableBootstrapHost_AsProcess_ExitsThreeAndLogsNoStackTrace()
    {
        // RFC 2606: .invalid never resolves. The library logs the DNS failure as a warning.
        var result = await CliProcess.RunAsync(Cli.Timeout, "query", Cli.RandomHex(), "--bootstrap", "nothing.invalid:6881");

        Assert.True(result.ExitCode == 3, result.ToString());
        Assert.Contains("bootstrap node nothing.invalid:6881 could not be resolved (SocketException:", result.StandardError);
        Assert.Contains("no node answered: bootstrap from nothing.invalid:6881 failed", result.StandardError);
        Assert.DoesNotContain("   at ", result.StandardError);
        Assert.DoesNotContain("stack trace", result.StandardError);
    }

    [Fact]
    public async Task Query_SilentBootstrapNodeAndShortTimeout_StillExitsThree()
    {
        var result = await Cli.RunInProcessAsync("query", Cli.RandomHex(), "--bootstrap", Silent, "--timeout", "0.5");

        Assert.True(result.ExitCode == 3, result.ToString());
        Assert.Contains("no node answered", result.StandardError);
    }

    [Theory]
    [InlineData(CliHost.InProcess, "ping", "did not answer the ping")]
    [InlineData(CliHost.Process, "ping", "did not answer the ping")]
    [InlineData(CliHost.InProcess, "sample", "did not answer sample_infohashes")]
    [InlineData(CliHost.Process, "sample", "did not answer sample_infohashes")]
    public async Task AskOneNode_SilentNode_ExitsThree(CliHost host, string command, string message)
    {
        // The node gives up on the silent one by its own request timeout, well inside --timeout, so a
        // slow process start on a busy machine does not turn "no answer" into "timed out".
        var result = await Cli.RunAsync(host, command, Silent, "--timeout", "20", "--json");

        Assert.True(result.ExitCode == 3, result.ToString());
        Assert.Contains($"{Silent} {message}", result.StandardError);
        Assert.Equal(string.Empty, result.StandardOutput);
        result.AssertNoStackTrace();
    }
}
