namespace DhtNet.Mainline.Bep42;

/// <summary>Settings of an <see cref="ExternalAddressVoter"/>.</summary>
internal sealed class ExternalAddressVoterOptions
{
    /// <summary>Distinct voters that must agree before an address is believed (default 3).</summary>
    public int MinimumVoters { get; init; } = 3;

    /// <summary>How long a vote counts (default 30 minutes); a voter that reports again renews its vote.</summary>
    public TimeSpan VoteLifetime { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>Most votes held at once (default 256); when full the oldest vote is dropped.</summary>
    public int MaxVoters { get; init; } = 256;

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(MinimumVoters, 1, nameof(MinimumVoters));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(VoteLifetime, TimeSpan.Zero, nameof(VoteLifetime));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxVoters, MinimumVoters, nameof(MaxVoters));
    }
}
