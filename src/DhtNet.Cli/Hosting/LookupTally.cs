using DhtNet.Lookup;

namespace DhtNet.Cli.Hosting;

/// <summary>Adds up the lookups a command ran (from <see cref="DhtNode.LookupCompleted"/>), leaving out the node's own upkeep.</summary>
internal sealed class LookupTally
{
    private readonly Lock _lock = new();
    private int _queried;
    private int _answered;
    private int _timedOut;
    private TimeSpan _elapsed;
    private bool _counting;

    public LookupStatistics Total
    {
        get
        {
            lock (_lock)
            {
                return new LookupStatistics(_queried, _answered, _timedOut, _elapsed);
            }
        }
    }

    /// <summary>Counts from now on (after bootstrap).</summary>
    public void Start()
    {
        lock (_lock)
        {
            _counting = true;
        }
    }

    public void OnLookupCompleted(object? sender, LookupCompletedEventArgs e)
    {
        if (e.Operation is "bootstrap" or "refresh")
        {
            return;
        }

        lock (_lock)
        {
            if (_counting)
            {
                _queried += e.Statistics.Queried;
                _answered += e.Statistics.Answered;
                _timedOut += e.Statistics.TimedOut;
                _elapsed += e.Statistics.Elapsed;
            }
        }
    }
}
