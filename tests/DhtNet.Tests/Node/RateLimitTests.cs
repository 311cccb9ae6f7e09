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
    public void TryTake_ManyOtherAddresses_DoNotMakeItForgetAnOverRateAddress()
    {
        var limiter = new AddressRateLimiter(new VirtualTimeProvider(), ratePerSecond: 1, burst: 1, slots: 1024);
        var first = IPAddress.Parse("198.51.100.1");
        Assert.True(limiter.TryTake(first));
        Assert.False(limiter.TryTake(first));
        for (int i = 0; i < 10_000; i++)
        {
            limiter.TryTake(new IPAddress(BitConverter.GetBytes(0x0A000000 + i)));
        }

        Assert.Equal(1024, limiter.Slots);
        Assert.False(limiter.TryTake(first)); // a fixed table: nothing is forgotten, so nothing is forgiven
    }

    [Fact]
    public void TryTake_AfterRefillTime_AllowsAgain()
    {
        var time = new VirtualTimeProvider();
        var limiter = new AddressRateLimiter(time, ratePerSecond: 10, burst: 2);
        var address = IPAddress.Parse("192.0.2.9");
        Assert.True(limiter.TryTake(address));
        Assert.True(limiter.TryTake(address));
        Assert.False(limiter.TryTake(address));
        time.Advance(TimeSpan.FromMilliseconds(100));
        Assert.True(limiter.TryTake(address));
        Assert.False(limiter.TryTake(address));
        Assert.Equal(2, limiter.Refused);
    }

    [Fact]
    public void TryTake_ResponsiveContactSharingAllBucketsWithAFlood_KeepsItsOwnBudget()
    {
        // One bucket for everybody: every stranger shares it with the contact.
        var limiter = new AddressRateLimiter(new VirtualTimeProvider(), ratePerSecond: 1, burst: 5, slots: 1);
        var contact = IPAddress.Parse("203.0.113.5");
        limiter.MarkResponsive(contact);
        for (int i = 0; i < 1_000; i++)
        {
            limiter.TryTake(new IPAddress(BitConverter.GetBytes(0x0A000000 + i)));
        }

        Assert.False(limiter.TryTake(IPAddress.Parse("10.9.9.9")));
        Assert.All(Enumerable.Range(0, 5), _ => Assert.True(limiter.TryTake(contact)));
        Assert.False(limiter.TryTake(contact)); // its own budget has the same rate
    }

    [Fact]
    public void TryTake_FirstQuery_AllocatesTheTableNotBefore()
    {
        var limiter = new AddressRateLimiter(new VirtualTimeProvider(), ratePerSecond: 1, burst: 1, slots: 1024);
        Assert.False(limiter.IsAllocated); // a node nobody queries holds no table
        Assert.Equal(1024, limiter.Slots);
        Assert.True(limiter.TryTake(IPAddress.Loopback));
        Assert.False(limiter.IsAllocated); // loopback is never counted

        var sender = IPAddress.Parse("198.51.100.7");
        Assert.True(limiter.TryTake(sender));
        Assert.True(limiter.IsAllocated);
        Assert.False(limiter.TryTake(sender));
    }

    [Fact]
    public void MarkResponsive_BeforeAnyQuery_ContactKeepsItsOwnBudget()
    {
        var limiter = new AddressRateLimiter(new VirtualTimeProvider(), ratePerSecond: 1, burst: 2, slots: 1);
        var contact = IPAddress.Parse("203.0.113.9");
        limiter.MarkResponsive(contact);
        Assert.True(limiter.IsAllocated);
        Assert.True(limiter.TryTake(IPAddress.Parse("10.0.0.1")));
        Assert.True(limiter.TryTake(IPAddress.Parse("10.0.0.2")));
        Assert.False(limiter.TryTake(IPAddress.Parse("10.0.0.3"))); // strangers share the one bucket
        Assert.True(limiter.TryTake(contact));
        Assert.True(limiter.TryTake(contact));
        Assert.False(limiter.TryTake(contact));
    }

    [Fact]
    public void TryTake_RateZero_IsUnlimited()
    {
        var limiter = new AddressRateLimiter(new VirtualTimeProvider(), ratePerSecond: 0, burst: 0);
        Assert.All(Enumerable.Range(0, 1000), _ => Assert.True(limiter.TryTake(IPAddress.Parse("192.0.2.7"))));
        Assert.Equal(0, limiter.Refused);
        Assert.Equal(0, limiter.Slots); // no limit, no table
    }

    [Fact]
    public async Task RateLimiterSlots_SmallTable_StillLimitsEachAddress()
    {
        var options = new DhtOptions { RateLimiterSlots = 16 };
        await using var swarm = SimulatedSwarm.Create(3, seed: 91, template: options);
        var target = swarm.Nodes[1].LocalEndPoints[0];
        var flooder = swarm.Network.CreateTransport();
        int answered = 0;
        flooder.Start((_, _) => answered++);
        byte[] ping = new byte[64];
        int length = KrpcCodec.Encode(new PingQuery(NodeId.Random(swarm.Random)) { TransactionId = "pp"u8.ToArray() }, ping);

        for (int i = 0; i < 500; i++)
        {
            flooder.Send(ping.AsSpan(0, length), target);
        }

        swarm.Advance(TimeSpan.FromMilliseconds(100));

        Assert.InRange(answered, 200, 215);
    }
}
