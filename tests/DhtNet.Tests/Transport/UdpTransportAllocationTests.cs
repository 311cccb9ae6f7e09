using System.Net;

namespace DhtNet.Tests.Transport;

// Runs alone: GC.GetTotalAllocatedBytes counts every thread in the process.
[Collection(MeasurementCollection.Name)]
public class UdpTransportAllocationTests
{
    [Fact]
    public async Task PingPong_SteadyState_AllocatesAlmostNothingPerDatagram()
    {
        await using var a = new UdpTransport([new IPEndPoint(IPAddress.Loopback, 0)]);
        await using var b = new UdpTransport([new IPEndPoint(IPAddress.Loopback, 0)]);
        const int Warmup = 200;
        const int Measured = 5_000;
        int remaining = Warmup;
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var bEndPoint = b.LocalEndPoints[0];
        b.Start((datagram, source) => b.Send(datagram, source));
        a.Start((datagram, source) =>
        {
            if (--remaining > 0)
            {
                a.Send(datagram, source);
            }
            else
            {
                done.TrySetResult();
            }
        });

        a.Send("d1:t2:aa1:y1:qe"u8, bEndPoint);
        await done.Task.WaitAsync(TimeSpan.FromSeconds(10));

        // Best of three rounds: the runtime and test host allocate now and then on threads of their own.
        long best = long.MaxValue;
        for (int round = 0; round < 3; round++)
        {
            done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            remaining = Measured;
            long before = GC.GetTotalAllocatedBytes(precise: true);
            a.Send("d1:t2:aa1:y1:qe"u8, bEndPoint);
            await done.Task.WaitAsync(TimeSpan.FromSeconds(30));
            best = Math.Min(best, GC.GetTotalAllocatedBytes(precise: true) - before);
        }

        // 2 datagrams per round trip. One IPEndPoint + IPAddress per receive alone would be ~70 bytes each.
        double perDatagram = best / (2.0 * Measured);
        Assert.True(perDatagram < 4, $"{best} bytes for {2 * Measured} datagrams ({perDatagram:F2} per datagram)");
    }
}
