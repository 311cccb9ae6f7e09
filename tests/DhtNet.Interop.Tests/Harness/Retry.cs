namespace DhtNet.Interop.Tests.Harness;

/// <summary>
/// Repeats an operation that does real network work (a lookup, a get) until its result satisfies a
/// condition, a bounded number of times and without sleeping in between: each attempt takes as long
/// as the peers take to answer.
/// </summary>
public static class Retry
{
    /// <summary>The first result that satisfies <paramref name="done"/>; fails the test after <paramref name="attempts"/> tries.</summary>
    public static async Task<T> UntilAsync<T>(Func<Task<T>> attempt, Func<T, bool> done, int attempts, Func<T, string> describe)
    {
        T result = default!;
        for (int i = 0; i < attempts; i++)
        {
            result = await attempt().ConfigureAwait(false);
            if (done(result))
            {
                return result;
            }
        }

        Assert.Fail($"Still not there after {attempts} attempts: {describe(result)}");
        return result;
    }
}
