namespace DhtNet.Cli.Hosting;

/// <summary>Adds up the requests of the lookups a command ran (from <see cref="DhtNode.LookupCompleted"/>), leaving out the node's own upkeep.</summary>
internal sealed class LookupTally
{
    private readonly Lock _lock = new();
    private int _queried;
    private int _answered;
    private bool _counting;

    public (int Queried, int Answered) Total
    {
        get
        {
            lock (_lock)
            {
                return (_queried, _answered);
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
            }
        }
    }
}
