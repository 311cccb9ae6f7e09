namespace DhtNet.Tests.Cli;

/// <summary>`dht simulate` as a real process: one JSON object with the percentiles and rates, and the files of --out.</summary>
public sealed class SimulateCommandTests
{
    [Fact]
    public async Task Simulate_300NodesJson_OneObjectWithPercentilesAndFiles()
    {
        string dir = Path.Combine(Path.GetTempPath(), "dht-simulate-" + Guid.NewGuid().ToString("N"));
        try
        {
            var result = (await CliProcess.RunAsync(TimeSpan.FromSeconds(120),
                "simulate", "--nodes", "300", "--dead", "0.2", "--lookups", "20", "--json", "--out", dir)).AssertSuccess();

            var simulation = Assert.Single(result.Json("simulation"));
            Assert.Equal(300, simulation.GetProperty("nodes").GetInt32());
            Assert.Equal(20, simulation.GetProperty("lookups").GetInt32());
            double p50 = simulation.GetProperty("p50").GetDouble(), p90 = simulation.GetProperty("p90").GetDouble(), p99 = simulation.GetProperty("p99").GetDouble();
            Assert.True(p50 > 0 && p50 <= p90 && p90 <= p99, $"{p50} {p90} {p99}");
            double exactK = simulation.GetProperty("exactK").GetDouble();
            Assert.InRange(exactK, 0.5, 1);
            Assert.True(simulation.GetProperty("bytesPerNode").GetInt64() > 0);
            Assert.Equal(21, File.ReadAllLines(Path.Combine(dir, "lookups.csv")).Length);
            Assert.StartsWith("<svg", File.ReadAllText(Path.Combine(dir, "latency-cdf.svg")));
            Assert.StartsWith("<svg", File.ReadAllText(Path.Combine(dir, "queries.svg")));
        }
        finally
        {
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, recursive: true);
            }
        }
    }

    [Fact]
    public async Task Simulate_DeadAboveOne_BadInput()
    {
        var result = await CliProcess.RunAsync(TimeSpan.FromSeconds(60), "simulate", "--dead", "1.5");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("--dead must be between 0 and 1", result.StandardError);
    }
}
