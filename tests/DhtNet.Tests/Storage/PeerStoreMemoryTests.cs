using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using Xunit.Abstractions;

namespace DhtNet.Tests.Storage;

[Collection(MeasurementCollection.Name)]
public class PeerStoreMemoryTests(ITestOutputHelper output)
{
    private const long Bound = 64L * 1024 * 1024;
    private const int Announces = 1_000_000;

    [Fact]
    public void Announce_MillionDistinctInfohashes_EstimateAndMeasuredHeapStayUnderBound()
    {
        var options = new PeerStoreOptions { MaxBytes = Bound, MaxInfohashes = int.MaxValue };
        var clock = new VirtualTimeProvider();
        var endPoints = new IPEndPoint[256];
        for (int i = 0; i < endPoints.Length; i++)
        {
            endPoints[i] = i % 4 == 0
                ? new IPEndPoint(IPAddress.Parse($"2001:db8::{i:x}"), 6881 + i)
                : new IPEndPoint(IPAddress.Parse($"198.51.100.{i}"), 6881 + i);
        }

        long before = GC.GetTotalMemory(forceFullCollection: true);
        var store = new PeerStore(options, clock);
        var stopwatch = Stopwatch.StartNew();
        Span<byte> id = stackalloc byte[NodeId.Size];
        long maxEstimate = 0;
        for (int i = 0; i < Announces; i++)
        {
            BinaryPrimitives.WriteInt32BigEndian(id, i);
            BinaryPrimitives.WriteInt32BigEndian(id[16..], ~i);
            store.Announce(new NodeId(id), endPoints[i & 255], seed: (i & 1) == 0);
            if ((i & 0xFFF) == 0)
            {
                maxEstimate = Math.Max(maxEstimate, store.EstimatedBytes);
            }
        }

        stopwatch.Stop();
        long after = GC.GetTotalMemory(forceFullCollection: true);
        long measured = after - before;
        long estimate = store.EstimatedBytes;
        int infohashes = store.InfohashCount;
        GC.KeepAlive(store);
        output.WriteLine(
            $"{Announces:N0} announces in {stopwatch.ElapsedMilliseconds} ms; kept {infohashes:N0} infohashes; " +
            $"estimate {estimate:N0} B ({estimate / (double)infohashes:F0} B each); measured heap growth {measured:N0} B " +
            $"({measured / (double)infohashes:F0} B each)");

        Assert.InRange(Math.Max(maxEstimate, estimate), 1, Bound);
        Assert.InRange(measured, 1, Bound);
        Assert.True(measured <= estimate, $"The estimate ({estimate}) must not be below the measured heap growth ({measured}).");
        Assert.InRange(infohashes, 100_000, Announces - 1); // it held a lot, and it evicted
        Assert.Equal(infohashes, store.Count);
    }
}
