using System.Net;

namespace DhtNet.Tests.Node;

/// <summary>
/// A remote peer sends a node every kind of query, then thousands of corrupted and truncated
/// copies and plain garbage. Nothing it sends may make the node's handlers throw, and the node must
/// go on answering and looking things up.
/// </summary>
public class HostileInputTests
{
    [Fact]
    public async Task Receive_CorruptedQueriesOfEveryKind_NoHandlerFaultsAndNodeStillServes()
    {
        await using var swarm = SimulatedSwarm.Create(20, seed: 77);
        var victim = swarm.Nodes[4];
        var attacker = swarm.Network.CreateTransport();
        int replies = 0;
        attacker.Start((_, _) => replies++);
        var target = victim.LocalEndPoints[0];
        var random = new Random(78);

        var templates = ValidQueries(random).Select(Encode).ToList();
        foreach (var datagram in templates)
        {
            attacker.Send(datagram, target);
        }

        swarm.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(templates.Count, replies); // every valid query is answered (with a response or an error)

        for (int i = 0; i < 20_000; i++)
        {
            byte[] datagram = Corrupt(templates[random.Next(templates.Count)], random);
            attacker.Send(datagram, target);
            if (i % 500 == 0)
            {
                swarm.Advance(TimeSpan.FromMilliseconds(200));
            }
        }

        swarm.Advance(TimeSpan.FromSeconds(5));

        Assert.Equal(0, victim.Dispatcher!.HandlerFailures);
        Assert.True(victim.Dispatcher.Malformed > 0);
        Assert.Equal(victim.Id, swarm.Run(swarm.Nodes[9].PingAsync(target))?.Id);
        var key = NodeId.Random(random);
        Assert.Equal(swarm.TrueClosest(key, 8, except: victim), swarm.Run(victim.QueryAsync(key)).Nodes.Select(n => n.Id));
    }

    private static IEnumerable<KrpcQuery> ValidQueries(Random random)
    {
        var id = NodeId.Random(random);
        var target = NodeId.Random(random);
        var key = Ed25519KeyPair.FromSeed(Enumerable.Range(1, 32).Select(b => (byte)b).ToArray());
        byte[] value = "5:hello"u8.ToArray();
        byte[] salt = "salt"u8.ToArray();
        byte[] token = [1, 2, 3, 4, 5, 6, 7, 8];
        byte[] t = "tx"u8.ToArray();
        yield return new PingQuery(id) { TransactionId = t };
        yield return new FindNodeQuery(id, target) { TransactionId = t, Want = KrpcWant.N4 | KrpcWant.N6 };
        yield return new GetPeersQuery(id, target) { TransactionId = t, Scrape = true, NoSeed = true };
        yield return new AnnouncePeerQuery(id, target, 6881, token) { TransactionId = t, ImpliedPort = true, Seed = true };
        yield return new GetQuery(id, target) { TransactionId = t, Sequence = 3 };
        yield return new PutQuery(id, token, value) { TransactionId = t };
        yield return new PutQuery(id, token, value)
        {
            TransactionId = t,
            PublicKey = key.PublicKey,
            Salt = salt,
            Sequence = 1,
            Cas = 0,
            Signature = ItemRules.Sign(key, salt, 1, value),
        };
        yield return new SampleInfohashesQuery(id, target) { TransactionId = t };
    }

    private static byte[] Encode(KrpcQuery query)
    {
        var buffer = new byte[KrpcCodec.MaxItemPayload];
        int length = KrpcCodec.Encode(query, buffer);
        return buffer[..length];
    }

    // One to three bytes changed, or a cut, or both.
    private static byte[] Corrupt(byte[] datagram, Random random)
    {
        var copy = (byte[])datagram.Clone();
        int changes = random.Next(1, 4);
        for (int i = 0; i < changes; i++)
        {
            copy[random.Next(copy.Length)] = random.Next(3) switch
            {
                0 => (byte)random.Next(256),
                1 => (byte)"ield:0123456789-"[random.Next(16)],
                _ => (byte)(copy[random.Next(copy.Length)] ^ (1 << random.Next(8))),
            };
        }

        return random.Next(4) == 0 ? copy[..random.Next(copy.Length)] : copy;
    }
}
