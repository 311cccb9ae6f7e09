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
            while (!task.IsCompleted)
            {
                if (!clock.AdvanceToNextTimer())
                {
                    throw new InvalidOperationException("The clock has no timers left but the task is not complete.");
                }
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
}
