using System.Diagnostics;
using System.Globalization;
using System.Net;
using DhtNet.Mainline.Storage;

namespace DhtNet.Benchmarks;

/// <summary>
/// The peer store's memory while swarms churn: announces at a steady rate on a virtual clock, to a
/// population of infohashes that keeps moving on (new ones appear, old ones stop being announced,
/// expire after 30 minutes or are evicted by the byte cap), a few popular swarms growing to the
/// per-infohash cap and many small ones. Every sample prints the process's resident memory and the
/// GC heap above the baseline measured before the first announce, both as a multiple of the
/// configured byte cap, and the store's own estimate; no GC is forced between samples, so what
/// garbage the store leaves behind shows. The baseline is taken after the same announce loop ran
/// without a store (see <see cref="Run"/>).
/// Run: <c>dotnet bench/DhtNet.Benchmarks/bin/Release/net10.0/DhtNet.Benchmarks.dll churn [--announces 20000000] [--cap-mib 64] [--samples 40]</c>.
/// </summary>
internal static class PeerStoreChurn
{
    // 2,000 announces per virtual second: 3.6 million in one peer lifetime, far above what the caps
    // hold, so eviction runs all the time as well as expiry.
    private const int AnnouncesPerSecond = 2_000;

    // Infohashes announced at any moment; the window slides by one every 200 announces.
    private const int Population = 150_000;
    private const int SlideEvery = 200;

    public static void Run(string[] args)
    {
        int announces = BenchOptions.Int(args, "--announces", 20_000_000);
        long cap = BenchOptions.Int(args, "--cap-mib", 64) * 1024L * 1024;
        int samples = BenchOptions.Int(args, "--samples", 40);
        var clock = new VirtualTimeProvider();
        var store = new PeerStore(new PeerStoreOptions { MaxBytes = cap }, clock, new Random(1));
        var random = new Random(42);
        var tick = TimeSpan.FromTicks(TimeSpan.TicksPerSecond / AnnouncesPerSecond);
        var purgeEvery = TimeSpan.FromMinutes(1);
        var nextPurge = purgeEvery;
        byte[] infoHash = new byte[NodeId.Size];

        // The baseline is the process doing the same work without the store: the announce loop's
        // own garbage (an endpoint per announce, as a serving node has) makes the GC commit its
        // allocation budget, which is no part of what the store holds.
        long sink = 0;
        for (int i = 0; i < 2_000_000; i++)
        {
            sink += new IPEndPoint(new IPAddress(random.Next()), 1024 + random.Next(60_000)).Port;
        }

        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        for (int i = 0; i < 2_000_000; i++)
        {
            sink += new IPEndPoint(new IPAddress(random.Next()), 1024 + random.Next(60_000)).Port;
        }

        GC.KeepAlive(sink);
        long baseRss = Environment.WorkingSet;
        long baseHeap = GC.GetGCMemoryInfo().HeapSizeBytes;
        double worstRss = 0, worstHeap = 0;
        int gen2Before = GC.CollectionCount(2);
        var wall = Stopwatch.StartNew();

        Console.WriteLine($"peer store churn: {announces:N0} announces, cap {cap / (1024 * 1024)} MiB, baseline RSS {baseRss / (1024 * 1024)} MiB, GC heap {baseHeap / (1024 * 1024)} MiB");
        Console.WriteLine("| announces | virtual time | peers | infohashes | estimate / cap | RSS above baseline / cap | GC heap above baseline / cap | gen2 GCs |");
        Console.WriteLine("|---:|---:|---:|---:|---:|---:|---:|---:|");
        int every = Math.Max(1, announces / samples);
        for (int i = 1; i <= announces; i++)
        {
            // A skewed pick in the current window: a few infohashes get most announces and fill up
            // to the per-infohash cap, most get one or a few peers.
            double u = random.NextDouble();
            int index = (i / SlideEvery) + (int)(Population * u * u * u);
            BitConverter.TryWriteBytes(infoHash, index);
            var peer = new IPEndPoint(new IPAddress(random.Next()), 1024 + random.Next(60_000));
            store.Announce(new NodeId(infoHash), peer, seed: (i & 7) == 0);

            clock.Advance(tick);
            if (clock.Elapsed >= nextPurge)
            {
                store.Purge();
                nextPurge += purgeEvery;
            }

            if (i % every == 0)
            {
                double rss = (double)(Environment.WorkingSet - baseRss) / cap;
                double heap = (double)(GC.GetGCMemoryInfo().HeapSizeBytes - baseHeap) / cap;
                worstRss = Math.Max(worstRss, rss);
                worstHeap = Math.Max(worstHeap, heap);
                Console.WriteLine(string.Create(
                    CultureInfo.InvariantCulture,
                    $"| {i:N0} | {clock.Elapsed:hh\\:mm\\:ss} | {store.Count:N0} | {store.InfohashCount:N0} | {(double)store.EstimatedBytes / cap:F2} | {rss:F2} | {heap:F2} | {GC.CollectionCount(2) - gen2Before} |"));
            }
        }

        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"worst: RSS above baseline {worstRss:F2}x the cap, GC heap above baseline {worstHeap:F2}x; {wall.Elapsed.TotalSeconds:F0} s, {announces / wall.Elapsed.TotalSeconds:N0} announces/s"));
    }
}
