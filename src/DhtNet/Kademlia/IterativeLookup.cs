using System.Runtime.InteropServices;

namespace DhtNet.Kademlia;

/// <summary>
/// The iterative Kademlia lookup every operation shares, independent of the wire protocol: keeps
/// candidates in XOR order from the target, keeps <see cref="LookupOptions.Alpha"/> requests in
/// flight (a request past the soft timeout frees its slot), and is done when the
/// <see cref="LookupOptions.K"/> closest nodes seen have all answered or failed. With
/// <see cref="LookupOptions.Adaptive"/>, timeouts follow the round-trip times this lookup measures,
/// and a request far past them is given up: the closest set no longer waits for a dead node. Callers that
/// collect something along the way (peers, tokens, items) do it in their <see cref="LookupRequest{TContact}"/>
/// and may call <see cref="Stop"/> once they have enough.
/// </summary>
/// <remarks>
/// Everything runs inline on the thread that completes a request, so under a virtual clock a lookup
/// advances deterministically. No lock is held while a request is started. A lookup visits every
/// node of every answer (hundreds per lookup), so that path is kept lean: candidates are found by
/// binary search in the one sorted list (no index by key), a candidate holds its contact and state
/// only, and the clocks of a request are allocated only when the lookup has timeouts to keep.
/// </remarks>
public sealed class IterativeLookup<TKey, TContact>
    where TKey : struct, IKademliaKey<TKey>
    where TContact : IKademliaContact<TKey>
{
    private readonly object _lock = new();
    private readonly TKey _target;
    private readonly TKey? _excluded;
    private readonly LookupRequest<TContact> _request;
    private readonly Func<TContact, bool>? _prefer;
    private readonly Func<TContact, bool>? _accept;
    private readonly LookupOptions _options;
    private readonly TimeProvider _time;
    private readonly List<Candidate> _candidates = []; // closest first; no two with the same key
    private readonly bool _timed; // requests have a soft timeout or adaptive timeouts: each gets a RequestClock
    private readonly TaskCompletionSource<LookupResult<TContact>> _done = new();
    private readonly CancellationTokenSource _abort = new();

    private int _slotsInUse;
    private int _inFlight;
    private int _queried;
    private int _answered;
    private int _failed;
    private int _givenUp; // in flight, but counted as failed for convergence
    private RoundTripEstimator _roundTrips;
    private long _startTimestamp;
    private bool _started;
    private bool _stopRequested;
    private bool _finished;
    private bool _awaitingDue; // converged but for answers still due (see IsConvergedLocked)

    /// <param name="target">The key the lookup converges on.</param>
    /// <param name="request">Sends one request; must not throw (a throw counts as no answer).</param>
    /// <param name="options">K, alpha, soft timeout and bounds.</param>
    /// <param name="time">The clock for soft timeouts and elapsed time.</param>
    /// <param name="excluded">A key never to query (our own).</param>
    /// <param name="prefer">
    /// For lookups that store data (Mainline, BEP 42: prefer nodes whose ids match their addresses): the
    /// lookup goes on until the K closest nodes that pass this have answered, or the 2K closest of all
    /// have, so that the caller can choose among them. Null: every node counts.
    /// </param>
    /// <param name="accept">Candidates that fail this are never queried (Mainline: port 0). Null: all are tried.</param>
    public IterativeLookup(
        TKey target,
        LookupRequest<TContact> request,
        LookupOptions options,
        TimeProvider time,
        TKey? excluded = null,
        Func<TContact, bool>? prefer = null,
        Func<TContact, bool>? accept = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        options.Validate();
        _target = target;
        _request = request;
        _options = options;
        _time = time;
        _excluded = excluded;
        _prefer = prefer;
        _accept = accept;
        _timed = options.SoftTimeout > TimeSpan.Zero || options.Adaptive is not null;
        if (options.Adaptive?.InitialRoundTrip is { } initial)
        {
            // The caller's estimate stands in for the first sample (RFC 6298, 2.2).
            _roundTrips = new RoundTripEstimator(initial, options.Adaptive.InitialVariation ?? initial / 2);
        }
    }

    /// <summary>The key this lookup converges on.</summary>
    public TKey Target => _target;

    /// <summary>Adds nodes to try, such as the closest ones in our routing table.</summary>
    public void AddCandidates(IEnumerable<TContact> nodes)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        lock (_lock)
        {
            AddCandidatesLocked(nodes);
        }
    }

    /// <summary>Ends the lookup early with what it has (for example once enough peers were found).</summary>
    public void Stop()
    {
        lock (_lock)
        {
            _stopRequested = true;
        }

        if (_started)
        {
            Pump();
        }
    }

    /// <summary>
    /// Ends the lookup once the request now being answered has been counted: for a
    /// <see cref="LookupRequest{TContact}"/> that finds what the caller wanted, so its answer shows in the
    /// statistics as answered rather than abandoned. Also ends at the next answer or soft timeout
    /// when called from elsewhere.
    /// </summary>
    public void StopAfterReply()
    {
        lock (_lock)
        {
            _stopRequested = true;
        }
    }

    /// <summary>Runs the lookup to completion. Call once.</summary>
    public Task<LookupResult<TContact>> RunAsync(CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            if (_started)
            {
                throw new InvalidOperationException("A lookup runs once.");
            }

            _started = true;
            _startTimestamp = _time.GetTimestamp();
        }

        if (cancellationToken.CanBeCanceled)
        {
            var registration = cancellationToken.Register(() => Finish(cancellationToken));
            _done.Task.ContinueWith(static (_, state) => ((CancellationTokenRegistration)state!).Dispose(), registration,
                CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }

        Pump();
        return _done.Task;
    }

    private void Pump()
    {
        // Usually one request starts per answer: the first goes in a local, a list only for more.
        Candidate? first = null;
        List<Candidate>? more = null;
        bool finish = false;
        lock (_lock)
        {
            if (_finished)
            {
                return;
            }

            if (_stopRequested || IsConvergedLocked())
            {
                finish = true;
            }
            else
            {
                while (!_awaitingDue && _slotsInUse < _options.Alpha && _queried < _options.MaxQueries && NextWaitingLocked() is { } next)
                {
                    next.State = CandidateState.InFlight;
                    next.HoldsSlot = true;
                    if (_timed)
                    {
                        var clock = next.Clock = new RequestClock(next);
                        (clock.SoftTimeout, clock.GiveUpTimeout) = TimeoutsLocked();
                        if (_options.Adaptive is not null)
                        {
                            clock.StartTimestamp = _time.GetTimestamp();
                        }
                    }

                    _slotsInUse++;
                    _inFlight++;
                    _queried++;
                    if (first is null)
                    {
                        first = next;
                    }
                    else
                    {
                        (more ??= []).Add(next);
                    }
                }

                // Nothing left to ask and only given-up requests out: the lookup has what it can get.
                finish = _inFlight == _givenUp && (_inFlight == 0 || _answered > 0);
            }
        }

        if (finish)
        {
            Finish(CancellationToken.None);
            return;
        }

        if (first is not null)
        {
            Start(first);
            if (more is not null)
            {
                foreach (var candidate in more)
                {
                    Start(candidate);
                }
            }
        }
    }

    // The soft timeout and the give-up time of a request starting now (zero: none).
    private (TimeSpan Soft, TimeSpan GiveUp) TimeoutsLocked()
    {
        if (_options.Adaptive is not { } adaptive || !_roundTrips.HasEstimate)
        {
            return (_options.SoftTimeout, TimeSpan.Zero);
        }

        var timeout = _roundTrips.Timeout(adaptive.Floor);
        // The slot is freed when an answer is merely late (SRTT + SoftVariations RTTVAR), the request
        // given up when it is overdue.
        var tuned = _roundTrips.Timeout(TimeSpan.Zero, adaptive.SoftVariations);
        if (tuned > timeout)
        {
            tuned = timeout;
        }

        var soft = _options.SoftTimeout > TimeSpan.Zero && tuned < _options.SoftTimeout ? tuned : _options.SoftTimeout;
        return (soft, timeout * adaptive.GiveUpFactor);
    }

    private void SampleRoundTripLocked(TimeSpan roundTrip)
    {
        bool first = !_roundTrips.HasEstimate;
        _roundTrips.Sample(roundTrip);
        if (first)
        {
            ArmGiveUpTimersLocked();
        }
    }

    // The first estimate: requests sent before it (often to the seeds) get their give-up time too,
    // counted from when they were sent, so a dead seed does not hold the lookup for its full timeout.
    private void ArmGiveUpTimersLocked()
    {
        var (_, giveUp) = TimeoutsLocked();
        if (giveUp <= TimeSpan.Zero)
        {
            return;
        }

        foreach (var candidate in _candidates)
        {
            // Adaptive lookups give every request a clock.
            if (candidate.State == CandidateState.InFlight && candidate.Clock is { GiveUpTimeout.Ticks: <= 0, GiveUpTimer: null } clock)
            {
                clock.GiveUpTimeout = giveUp;
                var due = giveUp - _time.GetElapsedTime(clock.StartTimestamp);
                clock.GiveUpTimer = _time.CreateTimer(static state => ((RequestClock)state!).OnGiveUp(), clock,
                    due > TimeSpan.Zero ? due : TimeSpan.FromTicks(1), Timeout.InfiniteTimeSpan);
            }
        }
    }

    private void Start(Candidate candidate)
    {
        if (candidate.Clock is { } clock)
        {
            // Under the lock: a first round-trip estimate may arm this request's give-up timer meanwhile.
            lock (_lock)
            {
                if (clock.SoftTimeout > TimeSpan.Zero && clock.SoftTimer is null)
                {
                    clock.SoftTimer = _time.CreateTimer(static state => ((RequestClock)state!).OnSoftTimeout(), clock,
                        clock.SoftTimeout, Timeout.InfiniteTimeSpan);
                }

                if (clock.GiveUpTimeout > TimeSpan.Zero && clock.GiveUpTimer is null)
                {
                    clock.GiveUpTimer = _time.CreateTimer(static state => ((RequestClock)state!).OnGiveUp(), clock,
                        clock.GiveUpTimeout, Timeout.InfiniteTimeSpan);
                }
            }
        }

        Task<LookupReply<TContact>> task;
        try
        {
            task = _request(candidate.Node, _abort.Token);
        }
        catch (Exception)
        {
            // A request that throws is a node that did not answer; the lookup goes on without it.
            task = Task.FromResult(LookupReply<TContact>.NoAnswer);
        }

        if (task.IsCompleted)
        {
            OnReply(candidate, task);
        }
        else
        {
            task.ContinueWith(static (t, state) => ((Candidate)state!).Owner.OnReply((Candidate)state!, t),
                candidate, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }

    private void OnReply(Candidate candidate, Task<LookupReply<TContact>> task)
    {
        var reply = task.IsCompletedSuccessfully ? task.Result : LookupReply<TContact>.NoAnswer;
        lock (_lock)
        {
            candidate.Clock?.DisposeTimers();
            ReleaseSlotLocked(candidate);
            _inFlight--;
            if (candidate.State == CandidateState.GivenUp)
            {
                _givenUp--;
            }

            if (_finished)
            {
                return;
            }

            if (reply.Answered)
            {
                // Round trips are measured only where they set timeouts.
                if (_options.Adaptive is not null)
                {
                    SampleRoundTripLocked(_time.GetElapsedTime(candidate.Clock!.StartTimestamp));
                }

                candidate.State = CandidateState.Answered;
                _answered++;
                AddCandidatesLocked(reply.Nodes);
            }
            else
            {
                candidate.State = CandidateState.Failed;
                _failed++;
            }
        }

        Pump();
    }

    private void OnSoftTimeout(Candidate candidate)
    {
        lock (_lock)
        {
            if (candidate.State != CandidateState.InFlight || !candidate.HoldsSlot)
            {
                return;
            }

            ReleaseSlotLocked(candidate);
        }

        Pump();
    }

    private void OnGiveUp(Candidate candidate)
    {
        lock (_lock)
        {
            if (candidate.State != CandidateState.InFlight || _finished)
            {
                return;
            }

            // Still out (a late answer is used), but no longer among the nodes convergence waits for.
            candidate.State = CandidateState.GivenUp;
            _givenUp++;
            ReleaseSlotLocked(candidate);
        }

        Pump();
    }

    private void ReleaseSlotLocked(Candidate candidate)
    {
        if (candidate.HoldsSlot)
        {
            candidate.HoldsSlot = false;
            _slotsInUse--;
        }
    }

    private void Finish(CancellationToken cancelled)
    {
        LookupResult<TContact>? result = null;
        lock (_lock)
        {
            if (_finished)
            {
                return;
            }

            _finished = true;
            if (!cancelled.IsCancellationRequested)
            {
                var closest = new List<TContact>(_options.K);
                foreach (var candidate in _candidates)
                {
                    if (candidate.State == CandidateState.Answered)
                    {
                        closest.Add(candidate.Node);
                        if (closest.Count == _options.K)
                        {
                            break;
                        }
                    }
                }

                // A request given up and still out did not answer in its time: failed, not abandoned.
                var statistics = new LookupStatistics(_queried, _answered, _failed + _inFlight, _time.GetElapsedTime(_startTimestamp))
                {
                    Abandoned = _inFlight - _givenUp,
                };
                result = new LookupResult<TContact>(closest, statistics);
            }

            foreach (var candidate in _candidates)
            {
                candidate.Clock?.DisposeTimers();
            }
        }

        // Requests still out are abandoned: their pending transactions are released at once.
        _abort.Cancel();
        if (result is not null)
        {
            _done.TrySetResult(result);
        }
        else
        {
            _done.TrySetCanceled(cancelled);
        }
    }

    // Converged when the K closest candidates that have not failed have all answered, and one more
    // per failed one closer than the last of them (with a
    // preference: the K closest preferred ones, looking no deeper than 2K answered nodes).
    private bool IsConvergedLocked()
    {
        _awaitingDue = false;
        int counted = 0, preferred = 0, skipped = 0;
        var prefer = _prefer;
        int k = _options.K, extraPerFailure = _options.ExtraPerFailure;
        foreach (var candidate in CollectionsMarshal.AsSpan(_candidates))
        {
            if (candidate.State is CandidateState.Failed or CandidateState.GivenUp)
            {
                skipped++;
                continue;
            }

            if (candidate.State != CandidateState.Answered)
            {
                return false;
            }

            counted++;
            // Past K, one more answer per dead node among the closest (see LookupOptions.ExtraPerFailure).
            int wanted = k + Math.Min(k, skipped * extraPerFailure);
            if (prefer is null ? counted >= wanted : (prefer(candidate.Node) && ++preferred == k) || counted == 2 * k)
            {
                // With dead nodes among the closest, the live node ranked past them is named only by
                // nodes that know few closer ones (farther ones), so answers still due (requests not
                // yet past their soft timeout) are awaited, and no farther node is asked meanwhile:
                // without this, 1 in 100-200 simulated lookups at 20 % dead missed that node.
                _awaitingDue = skipped > 0 && _options.ExtraPerFailure > 0 && _slotsInUse > 0;
                return !_awaitingDue;
            }
        }

        return _inFlight == _givenUp && counted > 0;
    }

    private Candidate? NextWaitingLocked()
    {
        foreach (var candidate in CollectionsMarshal.AsSpan(_candidates))
        {
            if (candidate.State == CandidateState.Waiting)
            {
                return candidate;
            }
        }

        return null;
    }

    // An answer's nodes come as an array almost always: walked without an enumerator.
    private void AddCandidatesLocked(IEnumerable<TContact> nodes)
    {
        if (nodes is TContact[] array)
        {
            foreach (var node in array)
            {
                AddCandidateLocked(node);
            }
        }
        else
        {
            foreach (var node in nodes)
            {
                AddCandidateLocked(node);
            }
        }
    }

    private void AddCandidateLocked(TContact node)
    {
        if (_finished || node is null)
        {
            return;
        }

        var id = node.Id;
        if (_excluded is { } excluded && id.Equals(excluded))
        {
            return;
        }

        // XOR with the target is one-to-one, so a known key sits exactly where the search ends.
        int index = IndexOfDistance(id.Xor(_target));
        if (index >= _options.MaxCandidates
            || (index < _candidates.Count && _candidates[index].Node.Id.Equals(id))
            || (_accept is not null && !_accept(node)))
        {
            return; // farther than everything we keep, known, or never to be asked
        }

        _candidates.Insert(index, new Candidate(this, node));

        // Over the bound: drop the farthest candidate that is not in use.
        if (_candidates.Count > _options.MaxCandidates)
        {
            for (int i = _candidates.Count - 1; i >= _options.K; i--)
            {
                if (_candidates[i].State is CandidateState.Waiting or CandidateState.Failed)
                {
                    _candidates.RemoveAt(i);
                    break;
                }
            }
        }
    }

    // The index of the first candidate at least distance away from the target.
    private int IndexOfDistance(TKey distance)
    {
        var candidates = CollectionsMarshal.AsSpan(_candidates);
        int low = 0, high = candidates.Length;
        while (low < high)
        {
            int mid = (low + high) >>> 1;
            if (candidates[mid].Node.Id.Xor(_target).CompareTo(distance) < 0)
            {
                low = mid + 1;
            }
            else
            {
                high = mid;
            }
        }

        return low;
    }

    private enum CandidateState : byte
    {
        Waiting,
        InFlight,
        Answered,
        Failed,
        GivenUp,
    }

    // Its distance is not stored: recomputing it from the key costs less than the memory.
    private sealed class Candidate(IterativeLookup<TKey, TContact> owner, TContact node)
    {
        public readonly IterativeLookup<TKey, TContact> Owner = owner;

        public readonly TContact Node = node;

        public CandidateState State;

        public bool HoldsSlot;

        /// <summary>Set when the request starts, if the lookup keeps timeouts.</summary>
        public RequestClock? Clock;
    }

    // One request's timeouts, timers and start time; the state of its timers' callbacks.
    private sealed class RequestClock(Candidate candidate)
    {
        public TimeSpan SoftTimeout;

        public TimeSpan GiveUpTimeout;

        public long StartTimestamp;

        public ITimer? SoftTimer;

        public ITimer? GiveUpTimer;

        public void OnSoftTimeout() => candidate.Owner.OnSoftTimeout(candidate);

        public void OnGiveUp() => candidate.Owner.OnGiveUp(candidate);

        public void DisposeTimers()
        {
            SoftTimer?.Dispose();
            SoftTimer = null;
            GiveUpTimer?.Dispose();
            GiveUpTimer = null;
        }
    }
}
