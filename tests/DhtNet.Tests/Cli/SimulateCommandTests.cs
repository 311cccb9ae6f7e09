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
    public async Task Simulate_IpfsNetwork_FindsEveryProviderAndReportsTimeToFirst()
    {
        var result = (await CliProcess.RunAsync(TimeSpan.FromSeconds(120),
            "simulate", "--network", "ipfs", "--nodes", "200", "--lookups", "10", "--json")).AssertSuccess();

        var simulation = Assert.Single(result.Json("simulation"));
        Assert.Equal("ipfs", simulation.GetProperty("network").GetString());
        Assert.Equal(1, simulation.GetProperty("found").GetDouble());
        Assert.Equal(1, simulation.GetProperty("exactK").GetDouble());
        double p50 = simulation.GetProperty("p50").GetDouble(), rtt = simulation.GetProperty("rttP50").GetDouble();
        // A search takes at least one round trip (30-70 ms each way by default) and, with nobody dead, a few at most.
        Assert.InRange(rtt, 60, 140);
        Assert.InRange(p50, rtt, 10 * rtt);
        Assert.True(simulation.GetProperty("afterNeighbourhoodRtts").GetDouble() >= 0);
    }

    [Fact]
    public async Task Simulate_LiarsAndChurn_ReportedInTheObject()
    {
        var result = (await CliProcess.RunAsync(TimeSpan.FromSeconds(120),
            "simulate", "--nodes", "300", "--lookups", "10", "--liars", "0.1", "--lie", "drop", "--churn", "0.01", "--churn-minutes", "2", "--no-refresh", "--json")).AssertSuccess();

        var simulation = Assert.Single(result.Json("simulation"));
        Assert.Equal("DropQueries", simulation.GetProperty("lie").GetString());
        Assert.Equal(6, simulation.GetProperty("left").GetInt32());
        Assert.Equal(6, simulation.GetProperty("joined").GetInt32());
        Assert.False(simulation.GetProperty("refresh").GetBoolean());
        Assert.InRange(simulation.GetProperty("exactK").GetDouble(), 0.5, 1);
    }

    [Fact]
    public async Task Simulate_DeadAboveOne_BadInput()
    {
        var result = await CliProcess.RunAsync(TimeSpan.FromSeconds(60), "simulate", "--dead", "1.5");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("--dead must be between 0 and 1", result.StandardError);
    }
}
