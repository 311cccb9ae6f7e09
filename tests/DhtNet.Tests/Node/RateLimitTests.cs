using System.Net;

namespace DhtNet.Tests.Node;

public class RateLimitTests
{
    [Fact]
    public async Task Flood_FromOneAddress_AnswersItsBurstOnlyWhileOthersAreServed()
    {
        await using var swarm = SimulatedSwarm.Create(10, seed: 90);
        var victim = swarm.Nodes[3];
        var target = victim.LocalEndPoints[0];
        var flooder = swarm.Network.CreateTransport();
        int answered = 0;
        flooder.Start((_, _) => answered++);
        byte[] ping = new byte[64];
        int length = KrpcCodec.Encode(new PingQuery(NodeId.Random(swarm.Random)) { TransactionId = "pp"u8.ToArray() }, ping);

        for (int i = 0; i < 1_000; i++)
        {
            flooder.Send(ping.AsSpan(0, length), target);
        }

        swarm.Advance(TimeSpan.FromMilliseconds(100));

        // The default is 100 queries a second with bursts of 200.
        Assert.InRange(answered, 200, 215);
        Assert.Equal(1_000 - answered, victim.QueriesRateLimited);
        Assert.Equal(victim.Id, swarm.Run(swarm.Nodes[5].PingAsync(target))?.Id);

        // The flooder's allowance refills with time.
        swarm.Advance(TimeSpan.FromSeconds(2));
        answered = 0;
        flooder.Send(ping.AsSpan(0, length), target);
        swarm.Advance(TimeSpan.FromMilliseconds(100));
        Assert.Equal(1, answered);
    }

    [Fact]
    public void TryTake_Loopback_IsNeverLimited()
    {
        var limiter = new AddressRateLimiter(new VirtualTimeProvider(), ratePerSecond: 1, burst: 1);
        for (int i = 0; i < 100; i++)
        {
            Assert.True(limiter.TryTake(IPAddress.Loopback));
            Assert.True(limiter.TryTake(IPAddress.IPv6Loopback));
        }

        Assert.True(limiter.TryTake(IPAddress.Parse("192.0.2.1")));
        Assert.False(limiter.TryTake(IPAddress.Parse("192.0.2.1")));
    }

    [Fact]
    public void TryTake_ManyAddresses_KeepsAtMostTheBoundAndForgetsTheOldest()
    {
        var limiter = new AddressRateLimiter(new VirtualTimeProvider(), ratePerSecond: 1, burst: 1, maxAddresses: 100);
        var first = IPAddress.Parse("198.51.100.1");
        Assert.True(limiter.TryTake(first));
        Assert.False(limiter.TryTake(first));
        for (int i = 0; i < 10_000; i++)
        {
            limiter.TryTake(new IPAddress(BitConverter.GetBytes(0x0A000000 + i)));
        }

        Assert.Equal(100, limiter.AddressCount);
        Assert.True(limiter.TryTake(first)); // forgotten, so forgiven
    }

    [Fact]
    public void TryTake_RateZero_IsUnlimited()
    {
        var limiter = new AddressRateLimiter(new VirtualTimeProvider(), ratePerSecond: 0, burst: 0);
        Assert.All(Enumerable.Range(0, 1000), _ => Assert.True(limiter.TryTake(IPAddress.Parse("192.0.2.7"))));
        Assert.Equal(0, limiter.AddressCount);
    }
}
