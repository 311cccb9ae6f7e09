namespace DhtNet.Simulation;

/// <summary>What <see cref="DhtSimulation"/> and <see cref="IpfsSimulation"/> share: driving the clock, and picking a share of nodes.</summary>
internal static class VirtualRun
{
    /// <summary>Advances <paramref name="clock"/> from timer to timer until <paramref name="task"/> completes (rethrowing its exception).</summary>
    public static void Until(VirtualTimeProvider clock, Task task)
    {
        ArgumentNullException.ThrowIfNull(task);
        // A synchronization context (a test framework's, a UI's) would move completions elsewhere;
        // the virtual clock needs everything a timer starts to happen inline, before it moves on.
        var context = SynchronizationContext.Current;
        SynchronizationContext.SetSynchronizationContext(null);
        try
        {
            if (!clock.RunUntil(task))
            {
                throw new InvalidOperationException("The clock has no timers left but the task is not complete.");
            }
        }
        finally
        {
            SynchronizationContext.SetSynchronizationContext(context);
        }

        task.GetAwaiter().GetResult();
    }

    /// <summary>A random <paramref name="fraction"/> (0 to 1, rounded) of <paramref name="candidates"/>.</summary>
    public static T[] Share<T>(IEnumerable<T> candidates, double fraction, Random random)
    {
        if (fraction is not (>= 0 and <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(fraction), fraction, "A fraction is between 0 and 1.");
        }

        var all = candidates.ToArray();
        random.Shuffle(all);
        return all[..(int)Math.Round(fraction * all.Length)];
    }

    /// <summary>Advances <paramref name="clock"/> by <paramref name="delta"/>, running everything due on the way inline.</summary>
    public static void Advance(VirtualTimeProvider clock, TimeSpan delta)
    {
        var context = SynchronizationContext.Current;
        SynchronizationContext.SetSynchronizationContext(null);
        try
        {
            clock.Advance(delta);
        }
        finally
        {
            SynchronizationContext.SetSynchronizationContext(context);
        }
    }

    /// <summary>
    /// Runs the leaves and joins <paramref name="churn"/> calls for among <paramref name="online"/> nodes:
    /// spread evenly over its duration while the clock moves a second at a time, or all at once without
    /// refresh. Reports the virtual seconds passed to <paramref name="progress"/>.
    /// </summary>
    public static (int Left, int Joined) Churn(VirtualTimeProvider clock, ChurnOptions churn, int online, Action leave, Action join, IProgress<int>? progress)
    {
        double minutes = churn.Duration.TotalMinutes;
        int leaves = (int)Math.Round(churn.LeavesPerMinute * minutes * online);
        int joins = (int)Math.Round(churn.JoinsPerMinute * minutes * online);
        int left = 0, joined = 0;
        long start = clock.GetTimestamp();
        while (true)
        {
            // The events due by now, spread evenly over the duration (all of them at once without refresh).
            var elapsed = clock.GetElapsedTime(start);
            double share = !churn.Refresh || churn.Duration <= TimeSpan.Zero ? 1 : Math.Min(1, elapsed / churn.Duration);
            for (; left < (int)Math.Round(share * leaves); left++)
            {
                leave();
            }

            for (; joined < (int)Math.Round(share * joins); joined++)
            {
                join();
            }

            progress?.Report((int)elapsed.TotalSeconds);
            if (share >= 1)
            {
                return (left, joined);
            }

            Advance(clock, TimeSpan.FromSeconds(1));
        }
    }
}
