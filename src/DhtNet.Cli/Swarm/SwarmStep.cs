using System.Diagnostics;

namespace DhtNet.Cli.Swarm;

/// <summary>One operation `dht swarm` ran on one network: whether it did what it should, what it found, and how long it took.</summary>
internal sealed record SwarmStep(string Network, string Operation, bool Ok, string Detail, TimeSpan Elapsed)
{
    /// <summary>Runs one check under <paramref name="timeout"/>; a time-out or an exception is a failed step that says so.</summary>
    public static async Task<SwarmStep> RunAsync(
        string network, string operation, Func<CancellationToken, Task<(bool Ok, string Detail)>> run, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        long start = Stopwatch.GetTimestamp();
        try
        {
            var (ok, detail) = await run(deadline.Token);
            return new SwarmStep(network, operation, ok, detail, Stopwatch.GetElapsedTime(start));
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new SwarmStep(network, operation, false, $"timed out after {timeout.TotalSeconds:0.#} s", Stopwatch.GetElapsedTime(start));
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return new SwarmStep(network, operation, false, e.Message, Stopwatch.GetElapsedTime(start));
        }
    }
}
