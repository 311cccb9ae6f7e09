using DhtNet.Tests.Node;

namespace DhtNet.Tests.Items;

/// <summary>Get replies that fail verification are ignored: a wrong immutable value, a bad signature, a key that does not hash to the target.</summary>
public class LyingNodeTests
{
    private static readonly byte[] Token = "tok1"u8.ToArray();

    [Fact]
    public async Task GetAsync_ImmutableReplyWithWrongValue_IsIgnoredAndTheTrueValueWins()
    {
        await using var swarm = SimulatedSwarm.Create(30, seed: 11);
        byte[] value = ItemValues.Text("the true value");
        var put = swarm.Run(swarm.Nodes[0].PutAsync(value));

        // The liar's id is the target itself, so it is the first node asked.
        using var liar = new ScriptedNode(swarm, put.Target, q => q is GetQuery g
            ? new GetResponse(g.Target, Token) { Value = ItemValues.Text("a forged value") }
            : null);
        var asker = NewNodeKnowing(swarm, liar.Info, Info(swarm.Nodes[1]));

        var got = swarm.Run(asker.GetAsync(put.Target));
        Assert.True(liar.Queries > 0);
        Assert.NotNull(got);
        Assert.Equal(value, got.Value.ToArray());
        Assert.Equal(1, got.Rejected);
    }

    [Fact]
    public async Task GetAsync_OnlyAWrongValueAround_ReturnsNull()
    {
        await using var swarm = SimulatedSwarm.Create(1, seed: 12);
        var target = NodeId.Sha1(ItemValues.Text("wanted"));
        using var liar = new ScriptedNode(swarm, target, q => q is GetQuery g
            ? new GetResponse(g.Target, Token) { Value = ItemValues.Text("not it") }
            : null);
        var asker = NewNodeKnowing(swarm, liar.Info);

        Assert.Null(swarm.Run(asker.GetAsync(target)));
        Assert.True(liar.Queries > 0);
    }

    [Fact]
    public async Task GetAsync_MutableRepliesWithBadSignatureOrWrongKey_AreIgnoredAndTheValidSeqWins()
    {
        await using var swarm = SimulatedSwarm.Create(30, seed: 13);
        var keyPair = Ed25519KeyPair.Generate();
        var put = swarm.Run(swarm.Nodes[0].PutAsync(keyPair, ItemValues.Text("genuine"), sequence: 1));

        // A higher seq with a signature that does not verify.
        byte[] forgedValue = ItemValues.Text("forged");
        using var badSignature = new ScriptedNode(swarm, put.Target, q => q is GetQuery g
            ? new GetResponse(g.Target, Token) { Value = forgedValue, PublicKey = keyPair.PublicKey, Sequence = 9, Signature = new byte[64] }
            : null);

        // A correctly signed item, but under another key: its target is not ours.
        var other = Ed25519KeyPair.Generate();
        var otherId = put.Target.WithBit(159, !put.Target.GetBit(159));
        using var wrongKey = new ScriptedNode(swarm, otherId, q => q is GetQuery
            ? new GetResponse(otherId, Token)
            {
                Value = forgedValue,
                PublicKey = other.PublicKey,
                Sequence = 10,
                Signature = ItemRules.Sign(other, [], 10, forgedValue),
            }
            : null);
        var asker = NewNodeKnowing(swarm, badSignature.Info, wrongKey.Info, Info(swarm.Nodes[1]));

        var got = swarm.Run(asker.GetAsync(put.Target));
        Assert.True(badSignature.Queries > 0 && wrongKey.Queries > 0);
        Assert.NotNull(got);
        Assert.Equal(1, got.Sequence);
        Assert.Equal(ItemValues.Text("genuine"), got.Value.ToArray());
        Assert.True(2 == got.Rejected, $"rejected {got.Rejected}, bad sig asked {badSignature.Queries}, wrong key asked {wrongKey.Queries}");

        // Nor does a put read the forged seq: the next one is 2.
        var next = swarm.Run(asker.PutAsync(keyPair, ItemValues.Text("next")));
        Assert.Equal(2, next.Sequence);
    }

    private static NodeInfo Info(DhtNode node) => new(node.Id, node.LocalEndPoints[0]);

    // A node whose routing table holds exactly the given nodes.
    private static DhtNode NewNodeKnowing(SimulatedSwarm swarm, params NodeInfo[] nodes)
    {
        var node = swarm.StartNode(swarm.Template with { NodeId = NodeId.Random(swarm.Random) });
        node.ImportNodes(nodes);
        Assert.Equal(nodes.Length, node.RoutingTableSize);
        return node;
    }
}
