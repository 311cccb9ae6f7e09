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
}
