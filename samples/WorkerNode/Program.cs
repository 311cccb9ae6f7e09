// A DHT node in a worker service: the host starts and stops it, appsettings.json configures it
// (section "DhtNet"), and a background service uses it. Any setting can be given on the command line:
//   dotnet run --project samples/WorkerNode -- --DhtNet:BootstrapNodes=127.0.0.1:PORT --DhtNet:Port=0
using DhtNet;
using DhtNet.Hosting;
using DhtNet.Mainline;

var builder = Host.CreateApplicationBuilder(args);
builder.Services.AddDhtNode();
builder.Services.AddHostedService<ClosestNodesWorker>();
builder.Build().Run();

/// <summary>Every interval, looks up the nodes closest to a random key and logs what it found.</summary>
internal sealed partial class ClosestNodesWorker(DhtNode node, IConfiguration configuration, ILogger<ClosestNodesWorker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = configuration.GetValue("Worker:Interval", TimeSpan.FromSeconds(30));
        using var timer = new PeriodicTimer(interval);
        do
        {
            var key = NodeId.Random();
            var result = await node.QueryAsync(key, stoppingToken);
            LogClosest(logger, key, result.Nodes.Count, result.Statistics.Queried, result.Statistics.Elapsed.TotalMilliseconds);
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Closest to {Key}: {Nodes} nodes after asking {Queried} in {ElapsedMs:F0} ms")]
    private static partial void LogClosest(ILogger logger, NodeId key, int nodes, int queried, double elapsedMs);
}
