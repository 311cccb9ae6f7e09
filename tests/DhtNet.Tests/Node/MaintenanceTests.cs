namespace DhtNet.Tests.Node;

/// <summary>Upkeep on the virtual clock: stale buckets refreshed after 15 minutes, announces expiring after 30, tokens after 10.</summary>
public class MaintenanceTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);

    [Fact]
    public async Task BucketRefresh_After15Minutes_StaleBucketsLookedUp()
    {
        await using var swarm = SimulatedSwarm.Create(40, seed: 71);
        var refreshes = new List<LookupCompletedEventArgs>();
        var node = swarm.StartNode(
            swarm.Template with { NodeId = NodeId.Random(swarm.Random), BootstrapNodes = swarm.PickBootstrap() },
            beforeStart: n => n.LookupCompleted += (_, e) =>
            {
                if (e.Operation == "refresh")
                {
                    refreshes.Add(e);
                }
            });
        int buckets = node.GetBuckets().Count;
        Assert.True(buckets >= 2, $"{buckets} buckets");

        // Nothing is stale before 15 minutes.
        swarm.Advance(TimeSpan.FromMinutes(14));
        Assert.Empty(refreshes);
        long sentBefore = node.Dispatcher!.QueriesSent;

        swarm.Advance(TimeSpan.FromMinutes(2));
        Assert.NotEmpty(refreshes);
        Assert.True(node.Dispatcher.QueriesSent - sentBefore >= refreshes.Count, "each refresh sends find_node queries");
        Assert.All(refreshes, r => Assert.True(r.Statistics.Answered > 0));
        // One per stale bucket: each target lies in a different bucket's range ...
        Assert.Equal(refreshes.Count, refreshes.Select(r => BucketOf(node, r.Target)).Distinct().Count());
        // ... and afterwards no bucket is left unchanged for 15 minutes.
        var now = swarm.Clock.GetUtcNow();
        Assert.All(node.GetBuckets(), b => Assert.True(now - b.LastChanged < TimeSpan.FromMinutes(15), $"bucket {b.Depth} unchanged since {b.LastChanged}"));

        // Refreshed buckets are fresh again: the next minutes bring no second refresh of them.
        var refreshed = refreshes.Select(r => BucketOf(node, r.Target)).ToHashSet();
        refreshes.Clear();
        swarm.Advance(TimeSpan.FromMinutes(5));
        Assert.DoesNotContain(refreshes, r => refreshed.Contains(BucketOf(node, r.Target)));
    }

    [Fact]
    public async Task PeerStore_After30Minutes_AnnounceExpires()
    {
        await using var swarm = SimulatedSwarm.Create(40, seed: 72);
        var infoHash = NodeId.Random(swarm.Random);
        Assert.True(swarm.Run(swarm.Nodes[3].ProvideAsync(infoHash, 6500)).Stored >= 6);

        swarm.Advance(TimeSpan.FromMinutes(29));
        Assert.Equal(6500, Assert.Single(swarm.Collect(swarm.Nodes[30].FindProvidersAsync(infoHash))).Port);

        swarm.Advance(TimeSpan.FromMinutes(2));
        Assert.Empty(swarm.Collect(swarm.Nodes[30].FindProvidersAsync(infoHash)));
    }

    [Theory]
    [InlineData(0, true)]
    [InlineData(4 * 60 + 59, true)]
    [InlineData(10 * 60 + 1, false)]
    [InlineData(20 * 60, false)]
    public async Task AnnouncePeer_TokenOfAge_AcceptedOnlyUnderTenMinutes(int ageSeconds, bool accepted)
    {
        await using var swarm = SimulatedSwarm.Create(10, seed: 73);
        var (asker, storer) = (swarm.Nodes[2], swarm.Nodes[7]);
        var infoHash = NodeId.Random(swarm.Random);
        var token = GetToken(swarm, asker, storer, infoHash);

        swarm.Advance(TimeSpan.FromSeconds(ageSeconds));
        var result = swarm.Run(asker.Dispatcher!.SendQueryAsync(new AnnouncePeerQuery(asker.Id, infoHash, 6881, token), storer.LocalEndPoints[0], Timeout));

        if (accepted)
        {
            Assert.IsType<AnnouncePeerResponse>(result.Response);
        }
        else
        {
            Assert.Equal(203, result.Error?.Code);
        }
    }

    [Fact]
    public async Task AnnouncePeer_TokenOfAnotherAddressOrInfohash_Refused203()
    {
        await using var swarm = SimulatedSwarm.Create(10, seed: 74);
        var (asker, storer, other) = (swarm.Nodes[2], swarm.Nodes[7], swarm.Nodes[4]);
        var infoHash = NodeId.Random(swarm.Random);
        var token = GetToken(swarm, asker, storer, infoHash);

        // Bound to the asker's address and to the infohash.
        var fromOther = swarm.Run(other.Dispatcher!.SendQueryAsync(new AnnouncePeerQuery(other.Id, infoHash, 6881, token), storer.LocalEndPoints[0], Timeout));
        var otherHash = swarm.Run(asker.Dispatcher!.SendQueryAsync(new AnnouncePeerQuery(asker.Id, NodeId.Random(swarm.Random), 6881, token), storer.LocalEndPoints[0], Timeout));
        var garbage = swarm.Run(asker.Dispatcher.SendQueryAsync(new AnnouncePeerQuery(asker.Id, infoHash, 6881, new byte[8]), storer.LocalEndPoints[0], Timeout));

        Assert.Equal(203, fromOther.Error?.Code);
        Assert.Equal(203, otherHash.Error?.Code);
        Assert.Equal(203, garbage.Error?.Code);
        Assert.Empty(swarm.Collect(storer.FindProvidersAsync(infoHash)));
    }

    private static byte[] GetToken(SimulatedSwarm swarm, DhtNode asker, DhtNode storer, NodeId infoHash)
    {
        var reply = swarm.Run(asker.Dispatcher!.SendQueryAsync(new GetPeersQuery(asker.Id, infoHash), storer.LocalEndPoints[0], Timeout));
        var token = Assert.IsType<GetPeersResponse>(reply.Response).Token.ToArray();
        Assert.NotEmpty(token);
        return token;
    }

    private static int BucketOf(DhtNode node, NodeId target) =>
        Math.Min(node.Id.CommonPrefixLength(target), node.GetBuckets().Count - 1);
}
