using System.Net;

namespace DhtNet.Tests.Security;

public class ExternalAddressVoterTests
{
    private static readonly IPAddress Ours = IPAddress.Parse("203.0.113.5");
    private static readonly IPAddress Other = IPAddress.Parse("198.51.100.7");

    private static IPAddress Voter(int i) => IPAddress.Parse($"8.8.{i / 256}.{i % 256}");

    [Fact]
    public void AddVote_ThreeDistinctVoters_ReportsAddressOnThird()
    {
        var voter = new ExternalAddressVoter(new VirtualTimeProvider());
        Assert.False(voter.AddVote(Voter(1), Ours));
        Assert.False(voter.AddVote(Voter(2), Ours));
        Assert.Null(voter.ExternalAddress);
        Assert.True(voter.AddVote(Voter(3), Ours));
        Assert.Equal(Ours, voter.ExternalAddress);
        Assert.False(voter.AddVote(Voter(4), Ours));
    }

    [Fact]
    public void AddVote_SameVoterRepeated_CountsOnce()
    {
        var voter = new ExternalAddressVoter(new VirtualTimeProvider());
        for (int i = 0; i < 10; i++)
        {
            Assert.False(voter.AddVote(Voter(1), Ours));
        }

        Assert.False(voter.AddVote(Voter(2), Ours));
        Assert.Equal(2, voter.VoteCount);
        Assert.Null(voter.ExternalAddress);
    }

    [Fact]
    public void AddVote_VoterChangesItsReport_OldVoteWithdrawn()
    {
        var voter = new ExternalAddressVoter(new VirtualTimeProvider());
        voter.AddVote(Voter(1), Ours);
        voter.AddVote(Voter(2), Ours);
        voter.AddVote(Voter(1), Other);
        Assert.False(voter.AddVote(Voter(3), Ours));
        Assert.True(voter.AddVote(Voter(4), Ours));
    }

    [Fact]
    public void ExternalAddress_VotesOlderThanLifetime_Expire()
    {
        var clock = new VirtualTimeProvider();
        var voter = new ExternalAddressVoter(clock);
        voter.AddVote(Voter(1), Ours);
        voter.AddVote(Voter(2), Ours);
        clock.Advance(TimeSpan.FromMinutes(20));
        voter.AddVote(Voter(3), Ours);
        Assert.Equal(Ours, voter.ExternalAddress);

        clock.Advance(TimeSpan.FromMinutes(10));
        Assert.Equal(1, voter.VoteCount);
        Assert.Null(voter.ExternalAddress);
    }

    [Fact]
    public void AddVote_RivalTies_KeepsCurrentUntilRivalLeads()
    {
        var voter = new ExternalAddressVoter(new VirtualTimeProvider());
        for (int i = 0; i < 3; i++)
        {
            voter.AddVote(Voter(i), Ours);
        }

        for (int i = 10; i < 13; i++)
        {
            Assert.False(voter.AddVote(Voter(i), Other));
        }

        Assert.Equal(Ours, voter.ExternalAddress);
        Assert.True(voter.AddVote(Voter(13), Other));
        Assert.Equal(Other, voter.ExternalAddress);
    }

    [Fact]
    public void AddVote_SplitVotesBelowQuorum_ReportsNothing()
    {
        var voter = new ExternalAddressVoter(new VirtualTimeProvider());
        Assert.False(voter.AddVote(Voter(1), Ours));
        Assert.False(voter.AddVote(Voter(2), Other));
        Assert.False(voter.AddVote(Voter(3), Ours));
        Assert.False(voter.AddVote(Voter(4), Other));
        Assert.Equal(4, voter.VoteCount);
        Assert.Null(voter.ExternalAddress);
    }

    [Fact]
    public void AddVote_MoreVotersThanLimit_DropsOldest()
    {
        var voter = new ExternalAddressVoter(new VirtualTimeProvider(), new ExternalAddressVoterOptions { MaxVoters = 16 });
        for (int i = 0; i < 1000; i++)
        {
            voter.AddVote(Voter(i), i < 990 ? Other : Ours);
        }

        Assert.Equal(16, voter.VoteCount);
        Assert.Equal(Ours, voter.ExternalAddress);
    }

    [Fact]
    public void AddVote_MappedAndPlainVoter_CountOnce()
    {
        var voter = new ExternalAddressVoter(new VirtualTimeProvider());
        voter.AddVote(Voter(1), Ours);
        voter.AddVote(Voter(1).MapToIPv6(), Ours.MapToIPv6());
        Assert.Equal(1, voter.VoteCount);
    }
}
