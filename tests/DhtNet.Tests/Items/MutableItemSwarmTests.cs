using DhtNet.Tests.Node;

namespace DhtNet.Tests.Items;

/// <summary>bittorrent-dht's mutable put/get scenarios on the 500-node in-memory network.</summary>
[Collection(ItemSwarmCollection.Name)]
public class MutableItemSwarmTests(ItemSwarmFixture fixture)
{
    private SimulatedSwarm Swarm => fixture.Swarm;

    private DhtNode Node(int index) => Swarm.Nodes[index];

    [Fact]
    public void PutAsync_SequenceZeroOneTwoWith999ByteValues_GetReturnsEachVersion()
    {
        var keyPair = Ed25519KeyPair.Generate();
        var target = ItemRules.MutableTarget(keyPair.PublicKey.Span);
        for (int version = 0; version < 3; version++)
        {
            byte[] value = ItemValues.StringOfLength(999, (char)('a' + version));
            Assert.Equal(999, value.Length);
            var put = Swarm.Run(Node(1).PutAsync(keyPair, value));
            Assert.Equal(version, put.Sequence);
            Assert.Equal(target, put.Target);
            Assert.True(put.Stored >= 6, $"seq {version}: only {put.Stored} of {put.Asked} nodes stored it");

            var got = Swarm.Run(Node(300).GetAsync(target));
            Assert.NotNull(got);
            Assert.Equal(version, got.Sequence);
            Assert.Equal(value, got.Value.ToArray());
            Assert.Equal(keyPair.PublicKey.ToArray(), got.PublicKey.ToArray());
            Assert.True(ItemRules.VerifySignature(got.PublicKey.Span, [], version, got.Value.Span, got.Signature.Span));
        }
    }

    [Fact]
    public void PutAsync_TwoSalts_GiveTwoKeys()
    {
        var keyPair = Ed25519KeyPair.Generate();
        byte[] saltA = "first"u8.ToArray(), saltB = "second"u8.ToArray();
        var putA = Swarm.Run(Node(2).PutAsync(keyPair, ItemValues.Text("value a"), saltA));
        var putB = Swarm.Run(Node(2).PutAsync(keyPair, ItemValues.Text("value b"), saltB));
        Assert.NotEqual(putA.Target, putB.Target);
        Assert.Equal(ItemRules.MutableTarget(keyPair.PublicKey.Span, saltA), putA.Target);

        var gotA = Swarm.Run(Node(400).GetAsync(putA.Target, saltA));
        var gotB = Swarm.Run(Node(400).GetAsync(putB.Target, saltB));
        Assert.Equal(ItemValues.Text("value a"), gotA!.Value.ToArray());
        Assert.Equal(ItemValues.Text("value b"), gotB!.Value.ToArray());
        Assert.Equal(saltA, gotA.Salt.ToArray());

        // The salt is part of what is signed and hashed: a get with the wrong salt verifies nothing.
        var wrong = Swarm.Run(Node(401).GetAsync(putA.Target, saltB));
        Assert.Null(wrong);
    }

    [Fact]
    public void PutAsync_LowerSequence_Refused302AndGetReturnsNewer()
    {
        var keyPair = Ed25519KeyPair.Generate();
        var newer = Swarm.Run(Node(3).PutAsync(keyPair, ItemValues.Text("newer"), sequence: 5));
        Assert.True(newer.Stored >= 6);

        // From another node with an empty store, so only the network can refuse.
        var error = Assert.Throws<DhtPutException>(() => Swarm.Run(Node(250).PutAsync(keyPair, ItemValues.Text("older"), sequence: 3)));
        Assert.Equal(KrpcErrorCode.SequenceNumberLessThanCurrent, error.Code);
        Assert.Equal(0, error.Result.Stored);
        Assert.True(error.Result.Errors[KrpcErrorCode.SequenceNumberLessThanCurrent] >= 6);

        var got = Swarm.Run(Node(123).GetAsync(newer.Target));
        Assert.Equal(5, got!.Sequence);
        Assert.Equal(ItemValues.Text("newer"), got.Value.ToArray());
    }

    [Fact]
    public void PutAsync_WithoutSequence_ContinuesFromTheNetworksSequence()
    {
        var keyPair = Ed25519KeyPair.Generate();
        Swarm.Run(Node(4).PutAsync(keyPair, ItemValues.Text("v41"), sequence: 41));

        // Another node, which has never seen the item, reads seq 41 during its lookup.
        var next = Swarm.Run(Node(450).PutAsync(keyPair, ItemValues.Text("v42")));
        Assert.Equal(42, next.Sequence);
        Assert.Equal(42, Swarm.Run(Node(5).GetAsync(next.Target))!.Sequence);
    }

    [Fact]
    public void PutAsync_Cas_SucceedsWhenItMatchesAndIsRefused301Otherwise()
    {
        var keyPair = Ed25519KeyPair.Generate();
        var first = Swarm.Run(Node(6).PutAsync(keyPair, ItemValues.Text("one"), sequence: 1));
        var swapped = Swarm.Run(Node(6).PutAsync(keyPair, ItemValues.Text("two"), sequence: 2, cas: 1));
        Assert.True(swapped.Stored >= 6, $"only {swapped.Stored} nodes stored the cas put");
        Assert.Empty(swapped.Errors);

        var error = Assert.Throws<DhtPutException>(() => Swarm.Run(Node(7).PutAsync(keyPair, ItemValues.Text("three"), sequence: 3, cas: 1)));
        Assert.Equal(KrpcErrorCode.CasMismatch, error.Code);

        var got = Swarm.Run(Node(350).GetAsync(first.Target));
        Assert.Equal(2, got!.Sequence);
        Assert.Equal(ItemValues.Text("two"), got.Value.ToArray());
    }

    [Fact]
    public void PutAsync_StringKey_ReadBackByKeyAndByPublicKeyElsewhere()
    {
        var owner = Node(8);
        var put = Swarm.Run(owner.PutAsync("/ipns/my-key", ItemValues.Text("hello")));
        Assert.Equal(ItemRules.MutableTarget(owner.IdentityKey.PublicKey.Span, "/ipns/my-key"u8), put.Target);
        Assert.Equal(0, put.Sequence);

        var own = Swarm.Run(owner.GetAsync("/ipns/my-key"));
        Assert.Equal(ItemValues.Text("hello"), own!.Value.ToArray());

        var elsewhere = Swarm.Run(Node(480).GetAsync(owner.IdentityKey.PublicKey, "/ipns/my-key"));
        Assert.Equal(ItemValues.Text("hello"), elsewhere!.Value.ToArray());

        // Another node's same key is another item.
        Assert.Null(Swarm.Run(Node(480).GetAsync("/ipns/my-key")));

        var updated = Swarm.Run(owner.PutAsync("/ipns/my-key", ItemValues.Text("again")));
        Assert.Equal(1, updated.Sequence);
        Assert.Equal(ItemValues.Text("again"), Swarm.Run(Node(481).GetAsync(owner.IdentityKey.PublicKey, "/ipns/my-key"))!.Value.ToArray());
    }
}
