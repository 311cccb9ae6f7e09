namespace DhtNet.Tests.Cli;

public class HelpTests
{
    [Fact]
    public async Task Help_AsProcess_PrintsUsageAndExitsZero()
    {
        var result = await CliProcess.RunAsync(TimeSpan.FromSeconds(60), "--help");
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("Usage:", result.StandardOutput);
        Assert.Contains("dht", result.StandardOutput);
        Assert.Equal(string.Empty, result.StandardError);
    }

    [Fact]
    public async Task NoArguments_AsProcess_ListsEveryCommand()
    {
        var result = (await CliProcess.RunAsync(TimeSpan.FromSeconds(60))).AssertSuccess();
        foreach (string command in new[] { "node", "query", "findpeer", "findprovs", "provide", "get", "put", "scrape", "sample", "ping", "keygen", "swarm", "simulate" })
        {
            Assert.Contains($"  {command}", result.StandardOutput);
        }
    }

    [Theory]
    [InlineData("node", "--data-dir")]
    [InlineData("query", "--bootstrap")]
    [InlineData("findpeer", "--timeout")]
    [InlineData("findprovs", "--max")]
    [InlineData("provide", "implied_port")]
    [InlineData("get", "--salt")]
    [InlineData("put", "--cas")]
    [InlineData("scrape", "--json")]
    [InlineData("sample", "--target")]
    [InlineData("ping", "--log-level")]
    [InlineData("keygen", "--force")]
    [InlineData("swarm", "--keep")]
    [InlineData("simulate", "--dead")]
    public async Task CommandHelp_InProcess_ShowsUsageAndItsOptions(string command, string option)
    {
        var result = (await Cli.RunInProcessAsync(command, "--help")).AssertSuccess();
        Assert.Contains($"dht {command}", result.StandardOutput);
        Assert.Contains(option, result.StandardOutput);
    }
}
