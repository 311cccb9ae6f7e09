using System.Diagnostics;
using DhtNet.Cli.Swarm;
using OpenTelemetry;
using OpenTelemetry.Trace;

namespace DhtNet.Tests.Hosting;

public sealed class TracingTests
{
    [Fact]
    public async Task AddDhtNetInstrumentation_LookupOnSwarm_ExportsLookupWithRequestChildren()
    {
        var exported = new List<Activity>();
        using var provider = Sdk.CreateTracerProviderBuilder()
            .AddDhtNetInstrumentation()
            .AddProcessor(new SimpleActivityExportProcessor(new ActivityExporter(exported)))
            .Build();
        await using var swarm = await LocalNetwork.StartAsync(8);
        var asker = swarm.Nodes[3];
        var target = NodeId.Random();

        await asker.QueryAsync(target);
        provider.ForceFlush();

        Activity[] spans;
        lock (exported)
        {
            spans = [.. exported];
        }

        string local = asker.Id.ToString();
        var lookup = Assert.Single(spans, a => a.OperationName == DhtActivity.LookupName
            && a.GetTagItem(DhtActivity.TargetTag) as string == target.ToString()
            && a.GetTagItem(DhtActivity.LocalIdTag) as string == local);
        Assert.False(string.IsNullOrEmpty(lookup.GetTagItem(DhtActivity.OperationTag) as string));
        var requests = spans.Where(a => a.OperationName == DhtActivity.RequestName && a.ParentSpanId == lookup.SpanId).ToList();
        Assert.NotEmpty(requests);
        var answered = requests.Where(r => r.GetTagItem(DhtActivity.OutcomeTag) as string == "answered").ToList();
        Assert.NotEmpty(answered);
        Assert.All(answered, r =>
        {
            Assert.True(NodeId.TryParse(r.GetTagItem(DhtActivity.PeerIdTag) as string, out _));
            Assert.NotNull(r.GetTagItem(DhtActivity.PeerAddressTag));
            Assert.All((string[])r.GetTagItem(DhtActivity.NodesTag)!, n => Assert.Contains('@', n));
        });

        // On an 8-node swarm some answer names other nodes: the hops form a tree, not a star.
        Assert.Contains(answered, r => ((string[])r.GetTagItem(DhtActivity.NodesTag)!).Length > 0);
    }

    private sealed class ActivityExporter(List<Activity> activities) : BaseExporter<Activity>
    {
        public override ExportResult Export(in Batch<Activity> batch)
        {
            lock (activities)
            {
                foreach (var activity in batch)
                {
                    activities.Add(activity);
                }
            }

            return ExportResult.Success;
        }
    }
}
