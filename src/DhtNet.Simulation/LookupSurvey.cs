namespace DhtNet.Simulation;

/// <summary>One measured lookup: what it cost and whether it found the true closest live nodes.</summary>
/// <param name="Target">The key looked up.</param>
/// <param name="Elapsed">Virtual time from start to result.</param>
/// <param name="Queried">Requests the lookup sent (distinct nodes asked).</param>
/// <param name="Answered">Of those, the ones that answered.</param>
/// <param name="Failed">Of those, the ones that really did not answer (not counting requests abandoned at the end).</param>
/// <param name="Datagrams">Datagrams the probe sent during the lookup, retransmissions included.</param>
/// <param name="ExactK">Whether the result was exactly the K closest nodes that are online.</param>
public readonly record struct SurveyedLookup(NodeId Target, TimeSpan Elapsed, int Queried, int Answered, int Failed, long Datagrams, bool ExactK);

/// <summary>
/// Runs lookups (find_node through <see cref="DhtNode.QueryAsync"/>) from one probe node of a
/// <see cref="DhtSimulation"/> to random targets, one at a time so each lookup's datagrams are its
/// own, and checks each result against the true K closest nodes that answer (online, and not liars that drop queries).
/// </summary>
public static class LookupSurvey
{
    /// <summary>Runs <paramref name="count"/> lookups from <paramref name="probe"/>; reports each to <paramref name="progress"/>.</summary>
    public static List<SurveyedLookup> Run(DhtSimulation simulation, DhtNode probe, int count, IProgress<int>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(simulation);
        ArgumentNullException.ThrowIfNull(probe);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var online = simulation.Nodes.Where(n => n != probe && simulation.Answers(n)).Select(n => n.Id).ToArray();
        var counters = simulation.TransportOf(probe).Counters;
        int k = probe.Options.K;
        var results = new List<SurveyedLookup>(count);
        for (int i = 0; i < count; i++)
        {
            var target = NodeId.Random(simulation.Random);
            long sentBefore = counters.DatagramsSent;
            var result = simulation.Run(probe.QueryAsync(target));
            var statistics = result.Statistics;
            var truth = Closest(online, target, k);
            bool exact = result.Nodes.Count == truth.Length && result.Nodes.Select(n => n.Id).SequenceEqual(truth);
            results.Add(new SurveyedLookup(target, statistics.Elapsed, statistics.Queried, statistics.Answered,
                statistics.TimedOut - statistics.Abandoned, counters.DatagramsSent - sentBefore, exact));
            progress?.Report(i + 1);
        }

        return results;
    }

    // The k ids closest to target, closest first, by one pass that keeps the best k (no sort of everything).
    private static NodeId[] Closest(NodeId[] ids, NodeId target, int k)
    {
        var best = new List<NodeId>(k + 1);
        foreach (var id in ids)
        {
            if (best.Count == k && NodeId.CompareDistance(id, best[^1], target) >= 0)
            {
                continue;
            }

            int at = best.FindIndex(b => NodeId.CompareDistance(id, b, target) < 0);
            best.Insert(at < 0 ? best.Count : at, id);
            if (best.Count > k)
            {
                best.RemoveAt(k);
            }
        }

        return [.. best];
    }
}
