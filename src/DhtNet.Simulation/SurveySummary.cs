namespace DhtNet.Simulation;

/// <summary>Percentiles and rates over a set of <see cref="SurveyedLookup"/>s.</summary>
public sealed record SurveySummary(
    int Lookups,
    double P50Ms,
    double P90Ms,
    double P99Ms,
    double QueriesP50,
    double QueriesP90,
    double FailedP50,
    double DatagramsMean,
    double ExactK)
{
    /// <summary>Summarizes <paramref name="lookups"/> (nearest-rank percentiles).</summary>
    public static SurveySummary Of(IReadOnlyList<SurveyedLookup> lookups)
    {
        ArgumentNullException.ThrowIfNull(lookups);
        if (lookups.Count == 0)
        {
            return new SurveySummary(0, 0, 0, 0, 0, 0, 0, 0, 0);
        }

        var latency = lookups.Select(l => l.Elapsed.TotalMilliseconds).Order().ToArray();
        var queries = lookups.Select(l => (double)l.Queried).Order().ToArray();
        var failed = lookups.Select(l => (double)l.Failed).Order().ToArray();
        return new SurveySummary(
            lookups.Count,
            Percentile(latency, 50),
            Percentile(latency, 90),
            Percentile(latency, 99),
            Percentile(queries, 50),
            Percentile(queries, 90),
            Percentile(failed, 50),
            lookups.Average(l => (double)l.Datagrams),
            lookups.Count(l => l.ExactK) / (double)lookups.Count);
    }

    /// <summary>The nearest-rank <paramref name="percent"/>th percentile of ascending <paramref name="sorted"/>.</summary>
    public static double Percentile(IReadOnlyList<double> sorted, double percent)
    {
        ArgumentNullException.ThrowIfNull(sorted);
        if (sorted.Count == 0)
        {
            return 0;
        }

        int index = (int)Math.Ceiling(percent / 100.0 * sorted.Count) - 1;
        return sorted[Math.Clamp(index, 0, sorted.Count - 1)];
    }
}
