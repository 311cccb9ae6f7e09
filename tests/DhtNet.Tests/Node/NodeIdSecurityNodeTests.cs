using System.Net;

namespace DhtNet.Tests.Node;

/// <summary>
/// BEP 42 end to end on the in-memory network, with nodes at public-looking addresses: the id
/// change once several nodes agree on our address, enforcement, and storage preferring verified ids.
/// </summary>
public class NodeIdSecurityNodeTests
{
    private static readonly IPAddress Home = IPAddress.Parse("84.124.73.14");

    [Theory]
    [InlineData(3)]
    [InlineData(1)] // the id changes in the middle of the bootstrap lookup
    public async Task StartAsync_NoConfiguredId_TakesBep42IdOnceOthersAgreeOnAddress(int bootstrapNodes)
    {
        await using var swarm = CreatePublicSwarm(60, seed: 61, validIds: 60);
        NodeId before = default;
        var node = swarm.StartNode(
            swarm.Template with { BootstrapNodes = swarm.PickBootstrap(bootstrapNodes) },
            new IPEndPoint(Home, 6881),
            n => before = n.Id);

        Assert.Equal(Home, node.ExternalAddress);
        Assert.NotEqual(before, node.Id);
        Assert.False(NodeIdSecurity.IsValid(before, Home));
        Assert.True(NodeIdSecurity.IsValid(node.Id, Home), $"{node.Id} is not a BEP 42 id for {Home}");

        // The new id is the one the network knows: lookups for it end at the node, and it is found.
        Assert.True(node.RoutingTableSize >= 8);
        // The nodes nearest the new id have it in their tables (the node looked up its new id).
        var neighbours = swarm.Nodes.Where(n => n != node).OrderBy(n => n.Id.Xor(node.Id)).Take(8).ToList();
        Assert.All(neighbours, n => Assert.Contains(n.ExportNodes(), e => e.Id == node.Id));
        Assert.All(swarm.Nodes.Where(n => n != node).Take(20), n => Assert.Equal(new IPEndPoint(Home, 6881), swarm.Run(n.FindPeerAsync(node.Id))));
        Assert.Equal(node.Id, swarm.Run(swarm.Nodes[20].QueryAsync(node.Id)).Nodes[0].Id);
        var target = NodeId.Random(swarm.Random);
        Assert.Equal(swarm.TrueClosest(target, 8, except: node), swarm.Run(node.QueryAsync(target)).Nodes.Select(n => n.Id));
    }

    [Fact]
    public async Task StartAsync_ConfiguredId_KeepsItThoughAddressIsAgreed()
    {
        await using var swarm = CreatePublicSwarm(30, seed: 62, validIds: 30);
        var id = NodeId.Random(swarm.Random);
        var node = swarm.StartNode(swarm.Template with { NodeId = id, BootstrapNodes = swarm.PickBootstrap() }, new IPEndPoint(Home, 6881));

        Assert.Equal(Home, node.ExternalAddress);
        Assert.Equal(id, node.Id);
    }

    [Fact]
    public async Task StartAsync_AddressReportedByTooFewNodes_KeepsId()
    {
        // Two nodes report our address: BEP 42 wants more agreement than that before we change.
        await using var swarm = CreatePublicSwarm(2, seed: 63, validIds: 2);
        NodeId before = default;
        var node = swarm.StartNode(swarm.Template with { BootstrapNodes = swarm.PickBootstrap(2) }, new IPEndPoint(Home, 6881), n => before = n.Id);

        Assert.Equal(2, node.RoutingTableSize);
        Assert.Null(node.ExternalAddress);
        Assert.Equal(before, node.Id);
    }

    [Fact]
    public async Task EnforceNodeIdSecurity_On_UnverifiedIdsNotAdded_LocalRangesExempt()
    {
        // 20 public nodes with BEP 42 ids, 20 public nodes with random ids, 10 on 10.x with random ids.
        await using var swarm = CreatePublicSwarm(40, seed: 64, validIds: 20);
        for (int i = 0; i < 10; i++)
        {
            swarm.AddNode();
        }

        var strict = swarm.StartNode(
            swarm.Template with { EnforceNodeIdSecurity = true, NodeId = NodeIdSecurity.GenerateId(Home, swarm.Random), BootstrapNodes = swarm.PickBootstrap(12) },
            new IPEndPoint(Home, 6881));
        var lax = swarm.StartNode(
            swarm.Template with { NodeId = NodeIdSecurity.GenerateId(IPAddress.Parse("84.124.73.15"), swarm.Random), BootstrapNodes = swarm.PickBootstrap(12) },
            new IPEndPoint(IPAddress.Parse("84.124.73.15"), 6881));
        foreach (var node in new[] { strict, lax })
        {
            swarm.Run(node.QueryAsync(NodeId.Random(swarm.Random)));
            swarm.Run(node.QueryAsync(NodeId.Random(swarm.Random)));
        }

        var strictTable = strict.ExportNodes();
        Assert.True(strictTable.Count >= 16, $"the strict node holds {strictTable.Count} nodes");
        Assert.All(strictTable, n => Assert.True(NodeIdSecurity.IsAcceptable(n), $"{n.Id} at {n.EndPoint} does not verify"));
        Assert.Contains(strictTable, n => NodeIdSecurity.IsExempt(n.EndPoint.Address));
        Assert.Contains(strictTable, n => !NodeIdSecurity.IsExempt(n.EndPoint.Address));
        // Without enforcement (the default) the same network's unverified nodes are taken.
        Assert.Contains(lax.ExportNodes(), n => !NodeIdSecurity.IsAcceptable(n));
        Assert.False(lax.Options.EnforceNodeIdSecurity);
    }

    [Fact]
    public async Task ProvideAsync_MixedIds_StoresOnClosestVerifiedNodes()
    {
        // Half the public nodes have ids that do not match their address.
        await using var swarm = CreatePublicSwarm(60, seed: 65, validIds: 30);
        var stored = new List<DhtNode>();
        foreach (var node in swarm.Nodes)
        {
            node.AnnounceReceived += (sender, _) => stored.Add((DhtNode)sender!);
        }

        bool Verified(DhtNode n) => NodeIdSecurity.IsValid(n.Id, n.LocalEndPoints[0].Address);
        int moreVerified = 0;
        for (int i = 0; i < 8; i++)
        {
            var provider = swarm.Nodes[i];
            var infoHash = NodeId.Random(swarm.Random);
            stored.Clear();
            var result = swarm.Run(provider.ProvideAsync(infoHash, 6000));
            Assert.Equal(8, result.Stored);

            // No verified node among the 8 closest is passed over, and verified nodes a little
            // farther away take the places of unverified close ones.
            var closest = swarm.Nodes.Where(n => n != provider).OrderBy(n => n.Id.Xor(infoHash)).Take(8).ToList();
            Assert.Subset(stored.Select(n => n.Id).ToHashSet(), closest.Where(Verified).Select(n => n.Id).ToHashSet());
            int verifiedStored = stored.Count(Verified), verifiedClosest = closest.Count(Verified);
            Assert.True(verifiedStored >= verifiedClosest);
            if (verifiedStored > verifiedClosest)
            {
                moreVerified++;
            }

            // Searches look as deep as storage does: another node finds the provider.
            var found = swarm.Collect(swarm.Nodes[59 - i].FindProvidersAsync(infoHash));
            Assert.Equal(6000, Assert.Single(found).Port);
        }

        Assert.True(moreVerified >= 5, $"the preference put more verified nodes in only {moreVerified} of 8 announces");
    }

    // Nodes at distinct public addresses; the first validIds have BEP 42 ids for their address.
    private static SimulatedSwarm CreatePublicSwarm(int count, int seed, int validIds)
    {
        var swarm = SimulatedSwarm.Create(0, seed);
        for (int i = 0; i < count; i++)
        {
            var address = new IPAddress([(byte)(20 + (i % 60)), (byte)(1 + (i * 37 % 250)), (byte)(1 + (i * 91 % 250)), (byte)(1 + i)]);
            var id = i < validIds ? NodeIdSecurity.GenerateId(address, swarm.Random) : NodeId.Random(swarm.Random);
            swarm.StartNode(swarm.Template with { NodeId = id, BootstrapNodes = swarm.PickBootstrap() }, new IPEndPoint(address, 6881));
        }

        return swarm;
    }
}
