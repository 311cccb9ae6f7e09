using System.Net;

namespace DhtNet.Tests.Storage;

public class TokenManagerTests
{
    private static readonly IPAddress Requester = IPAddress.Parse("192.0.2.10");
    private static readonly NodeId Target = NodeId.Parse("0123456789abcdef0123456789abcdef01234567");

    [Fact]
    public void CreateToken_Now_IsValidAndEightBytes()
    {
        var manager = new TokenManager(new VirtualTimeProvider());

        var token = manager.CreateToken(Requester, Target);

        Assert.Equal(TokenManager.TokenSize, token.Length);
        Assert.True(manager.IsValid(token, Requester, Target));
    }

    [Fact]
    public void IsValid_AfterOneRotation_IsTrue()
    {
        var clock = new VirtualTimeProvider();
        var manager = new TokenManager(clock);
        var token = manager.CreateToken(Requester, Target);

        clock.Advance(TimeSpan.FromMinutes(9) + TimeSpan.FromSeconds(59));

        Assert.True(manager.IsValid(token, Requester, Target));
    }

    [Fact]
    public void IsValid_AfterTwoRotations_IsFalse()
    {
        var clock = new VirtualTimeProvider();
        var manager = new TokenManager(clock);
        var token = manager.CreateToken(Requester, Target);

        clock.Advance(TimeSpan.FromMinutes(10));

        Assert.False(manager.IsValid(token, Requester, Target));
    }

    [Fact]
    public void IsValid_TokenFromLateInAnInterval_LivesUntilTheSecondRotation()
    {
        var clock = new VirtualTimeProvider();
        var manager = new TokenManager(clock);
        clock.Advance(TimeSpan.FromMinutes(4) + TimeSpan.FromSeconds(59));
        var token = manager.CreateToken(Requester, Target);

        clock.Advance(TimeSpan.FromMinutes(5));
        Assert.True(manager.IsValid(token, Requester, Target));

        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.False(manager.IsValid(token, Requester, Target));
    }

    [Fact]
    public void IsValid_LongIdleThenNewToken_OnlyNewTokenValid()
    {
        var clock = new VirtualTimeProvider();
        var manager = new TokenManager(clock);
        var old = manager.CreateToken(Requester, Target);

        clock.Advance(TimeSpan.FromHours(3));
        var fresh = manager.CreateToken(Requester, Target);

        Assert.False(manager.IsValid(old, Requester, Target));
        Assert.True(manager.IsValid(fresh, Requester, Target));
    }

    [Theory]
    [InlineData("192.0.2.11")]
    [InlineData("2001:db8::10")]
    public void IsValid_OtherAddress_IsFalse(string other)
    {
        var manager = new TokenManager(new VirtualTimeProvider());
        var token = manager.CreateToken(Requester, Target);

        Assert.False(manager.IsValid(token, IPAddress.Parse(other), Target));
    }

    [Fact]
    public void IsValid_OtherTarget_IsFalse()
    {
        var manager = new TokenManager(new VirtualTimeProvider());
        var token = manager.CreateToken(Requester, Target);

        Assert.False(manager.IsValid(token, Requester, Target.WithBit(159, !Target.GetBit(159))));
    }

    [Fact]
    public void IsValid_AnyByteChangedOrLengthWrong_IsFalse()
    {
        var manager = new TokenManager(new VirtualTimeProvider());
        var token = manager.CreateToken(Requester, Target);

        for (int i = 0; i < token.Length; i++)
        {
            var tampered = (byte[])token.Clone();
            tampered[i] ^= 1;
            Assert.False(manager.IsValid(tampered, Requester, Target));
        }

        Assert.False(manager.IsValid(token.AsSpan(0, 4), Requester, Target));
        Assert.False(manager.IsValid([.. token, 0], Requester, Target));
        Assert.False(manager.IsValid([], Requester, Target));
    }

    [Fact]
    public void IsValid_IPv4MappedAddress_MatchesPlainIPv4()
    {
        var manager = new TokenManager(new VirtualTimeProvider());
        var token = manager.CreateToken(Requester, Target);

        Assert.True(manager.IsValid(token, Requester.MapToIPv6(), Target));
    }

    [Fact]
    public void IsValid_IPv6Requester_IsTrue()
    {
        var manager = new TokenManager(new VirtualTimeProvider());
        var address = IPAddress.Parse("2001:db8::1");
        Span<byte> token = stackalloc byte[TokenManager.TokenSize];

        Assert.Equal(TokenManager.TokenSize, manager.WriteToken(address, Target, token));
        Assert.True(manager.IsValid(token, address, Target));
    }

    [Fact]
    public void CreateToken_TwoManagers_DifferentSecrets()
    {
        var clock = new VirtualTimeProvider();
        var token = new TokenManager(clock).CreateToken(Requester, Target);

        Assert.False(new TokenManager(clock).IsValid(token, Requester, Target));
    }
}
