using System.Net;

namespace DhtNet.Mainline.Bep42;

/// <summary>
/// Works out our external address from the BEP 42 <c>ip</c> field that responders report. Each
/// responder address holds one vote (its latest report); votes expire; an address is believed once
/// at least <see cref="ExternalAddressVoterOptions.MinimumVoters"/> distinct voters report it and no
/// other address has as many votes. Use one voter per address family, as with routing tables.
/// Thread-safe; memory is bounded by <see cref="ExternalAddressVoterOptions.MaxVoters"/>.
/// </summary>
internal sealed class ExternalAddressVoter
{
    private readonly object _lock = new();
    private readonly TimeProvider _timeProvider;
    private readonly ExternalAddressVoterOptions _options;

    // Votes in the order they were last cast (oldest first), so expiry and eviction take from the front.
    private readonly LinkedList<Vote> _order = new();
    private readonly Dictionary<IPAddress, LinkedListNode<Vote>> _byVoter = new();
    private readonly Dictionary<IPAddress, int> _tally = new();
    private IPAddress? _external;

    public ExternalAddressVoter(TimeProvider timeProvider, ExternalAddressVoterOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        _timeProvider = timeProvider;
        _options = options ?? new ExternalAddressVoterOptions();
        _options.Validate();
    }

    /// <summary>The agreed external address, or null while there is no agreement.</summary>
    public IPAddress? ExternalAddress
    {
        get
        {
            lock (_lock)
            {
                Expire(_timeProvider.GetTimestamp());
                UpdateLeader();
                return _external;
            }
        }
    }

    /// <summary>Number of live votes.</summary>
    public int VoteCount
    {
        get
        {
            lock (_lock)
            {
                Expire(_timeProvider.GetTimestamp());
                return _byVoter.Count;
            }
        }
    }

    /// <summary>
    /// Records that <paramref name="voter"/> (the responder's address) saw us as
    /// <paramref name="reported"/>. Returns true when this changes <see cref="ExternalAddress"/> to a
    /// new non-null address — the moment to consider a new BEP 42 node id.
    /// </summary>
    public bool AddVote(IPAddress voter, IPAddress reported)
    {
        ArgumentNullException.ThrowIfNull(voter);
        ArgumentNullException.ThrowIfNull(reported);
        voter = Normalize(voter);
        reported = Normalize(reported);
        long now = _timeProvider.GetTimestamp();
        lock (_lock)
        {
            Expire(now);
            if (_byVoter.TryGetValue(voter, out var node))
            {
                Untally(node.Value.Reported);
                _order.Remove(node);
                node.Value = new Vote(voter, reported, now);
                _order.AddLast(node);
            }
            else
            {
                if (_byVoter.Count >= _options.MaxVoters)
                {
                    RemoveOldest();
                }

                _byVoter.Add(voter, _order.AddLast(new Vote(voter, reported, now)));
            }

            _tally[reported] = _tally.GetValueOrDefault(reported) + 1;
            var before = _external;
            UpdateLeader();
            return _external is not null && !_external.Equals(before);
        }
    }

    /// <summary>Forgets every vote (e.g. after the network changed).</summary>
    public void Clear()
    {
        lock (_lock)
        {
            _order.Clear();
            _byVoter.Clear();
            _tally.Clear();
            _external = null;
        }
    }

    // IPv4-mapped IPv6 and plain IPv4 are the same address, and a voter must not vote twice through both.
    private static IPAddress Normalize(IPAddress address) => address.Unmapped();

    private void Expire(long now)
    {
        while (_order.First is { } first && _timeProvider.GetElapsedTime(first.Value.Timestamp, now) >= _options.VoteLifetime)
        {
            RemoveOldest();
        }
    }

    private void RemoveOldest()
    {
        var first = _order.First!;
        _order.RemoveFirst();
        _byVoter.Remove(first.Value.Voter);
        Untally(first.Value.Reported);
    }

    private void Untally(IPAddress reported)
    {
        int count = _tally[reported] - 1;
        if (count == 0)
        {
            _tally.Remove(reported);
        }
        else
        {
            _tally[reported] = count;
        }
    }

    // The leader must have the quorum and strictly more votes than any rival; otherwise we keep the
    // address we had while it still has the quorum, so a tie does not make us flap between ids.
    private void UpdateLeader()
    {
        IPAddress? best = null;
        int bestVotes = 0, runnerUp = 0;
        foreach (var (address, votes) in _tally)
        {
            if (votes > bestVotes)
            {
                runnerUp = bestVotes;
                best = address;
                bestVotes = votes;
            }
            else if (votes > runnerUp)
            {
                runnerUp = votes;
            }
        }

        if (best is not null && bestVotes >= _options.MinimumVoters && bestVotes > runnerUp)
        {
            _external = best;
        }
        else if (_external is not null && _tally.GetValueOrDefault(_external) < _options.MinimumVoters)
        {
            _external = null;
        }
    }

    private readonly record struct Vote(IPAddress Voter, IPAddress Reported, long Timestamp);
}
