namespace DhtNet.Tests;

/// <summary>
/// Waits, bounded, for a condition that other threads of the code under test make true (a stream
/// closed, a flush drained, a peer learned): the one poller the tests share, so none sleeps in place
/// of a condition and each failure says what never happened.
/// </summary>
internal static class Eventually
{
    /// <summary>How long a condition gets unless the caller says otherwise.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    public static Task UntilAsync(Func<bool> condition, string what = "the condition holds", TimeSpan? patience = null) =>
        UntilAsync(() => Task.FromResult(condition()), what, patience);

    public static async Task UntilAsync(Func<Task<bool>> condition, string what = "the condition holds", TimeSpan? patience = null)
    {
        var limit = patience ?? Patience;
        using var timeout = new CancellationTokenSource(limit);
        while (!await condition())
        {
            try
            {
                await Task.Delay(10, timeout.Token);
            }
            catch (OperationCanceledException)
            {
                Assert.Fail($"Timed out after {limit.TotalSeconds:0} s waiting until {what}.");
            }
        }
    }
}
