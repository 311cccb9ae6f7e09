using DhtNet.Ipfs;
using DhtNet.LibP2p;

namespace DhtNet.Simulation;

/// <summary>
/// One measured find-providers search of an <see cref="IpfsSimulation"/>: how long until the first
/// provider came, how long until the search first asked a peer of the key's neighbourhood (the K
/// closest online servers), and whether the closest-peers lookup of the same key was exact.
/// </summary>
/// <param name="FirstProvider">Virtual time from the start of the search to its first provider; null when none came.</param>
/// <param name="NeighbourhoodReached">Virtual time until the search first asked a peer of the key's neighbourhood; null if it never did.</param>
/// <param name="Requests">Requests the searcher sent until the first provider (or the end).</param>
/// <param name="ExactK">Whether a closest-peers lookup of the key from the same node returned exactly the K closest servers that answer.</param>
/// <param name="Lookup">Virtual time the closest-peers lookup took.</param>
/// <param name="LookupRequests">Requests the closest-peers lookup sent.</param>
public readonly record struct SurveyedSearch(TimeSpan? FirstProvider, TimeSpan? NeighbourhoodReached, int Requests, bool ExactK, TimeSpan Lookup, int LookupRequests);

/// <summary>
/// Runs find-providers searches on an <see cref="IpfsSimulation"/>: each time a random online server
/// provides a fresh CID, and another searches for it (stopping at the first provider) and then looks
/// up the K closest peers of the same key.
/// </summary>
public static class ProviderSurvey
{
    /// <summary>Runs <paramref name="count"/> searches; reports each to <paramref name="progress"/>.</summary>
    public static List<SurveyedSearch> Run(IpfsSimulation simulation, int count, int k = 20, IProgress<int>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(simulation);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var online = simulation.Nodes.Where(simulation.IsOnline).ToArray();
        var results = new List<SurveyedSearch>(count);
        for (int i = 0; i < count; i++)
        {
            var provider = online[simulation.Random.Next(online.Length)];
            IpfsDhtNode searcher;
            do
            {
                searcher = online[simulation.Random.Next(online.Length)];
            }
            while (searcher == provider && online.Length > 1);

            var cid = Cid.Hash(BitConverter.GetBytes(simulation.Random.NextInt64()));
            simulation.Run(provider.ProvideAsync(cid));
            var neighbourhood = simulation.TrueClosest(cid.Multihash.Bytes.Span, k).ToHashSet();

            long start = simulation.Clock.GetTimestamp();
            TimeSpan? reached = null;
            int requests = 0;
            bool searching = true;
            simulation.RequestSent = (from, to, _) =>
            {
                if (from == searcher && searching)
                {
                    requests++;
                    if (reached is null && neighbourhood.Contains(to))
                    {
                        reached = simulation.Clock.GetElapsedTime(start);
                    }
                }
            };
            var first = simulation.Run(FirstAsync(searcher.FindProvidersAsync(cid, 1, TimeSpan.FromMinutes(1))));
            TimeSpan? elapsed = first is null ? null : simulation.Clock.GetElapsedTime(start);
            searching = false;
            simulation.RequestSent = null;

            int lookupRequests = 0;
            simulation.RequestSent = (from, _, _) => lookupRequests += from == searcher ? 1 : 0;
            long lookupStart = simulation.Clock.GetTimestamp();
            var closest = simulation.Run(searcher.QueryAsync(cid.Multihash.Bytes)).Select(p => p.Id);
            var lookup = simulation.Clock.GetElapsedTime(lookupStart);
            simulation.RequestSent = null;
            bool exact = closest.SequenceEqual(simulation.TrueClosest(cid.Multihash.Bytes.Span, k, except: searcher));
            results.Add(new SurveyedSearch(elapsed, reached, requests, exact, lookup, lookupRequests));
            progress?.Report(i + 1);
        }

        return results;
    }

    private static async Task<PeerInfo?> FirstAsync(IAsyncEnumerable<PeerInfo> providers)
    {
        await foreach (var provider in providers.ConfigureAwait(false))
        {
            return provider;
        }

        return null;
    }
}
