using System.Buffers.Binary;
using System.Net;

namespace DhtNet.Tests.Transport;

/// <summary>
/// recvmmsg / sendmmsg (Linux): datagrams taken many per call still reach the handler one by one
/// in arrival order, and replies sent from the handler leave in the order they were sent; with a
/// batch of 1 the same holds one call per datagram.
/// </summary>
public class UdpTransportBatchTests
{
    private const int Count = 300;

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    [InlineData(32)]
    public async Task Send_FromTheHandlerOfABurst_RepliesArriveAllAndInOrder(int batchSize)
    {
        await using var server = new UdpTransport(new UdpTransportOptions { BindEndPoints = [new IPEndPoint(IPAddress.Loopback, 0)], DatagramBatchSize = batchSize, ReceiveSockets = 1 });
        await using var client = new UdpTransport(new UdpTransportOptions { BindEndPoints = [new IPEndPoint(IPAddress.Loopback, 0)], ReceiveSockets = 1 });
        var seen = new List<int>();
        server.Start((datagram, source) =>
        {
            int number = BinaryPrimitives.ReadInt32BigEndian(datagram);
            lock (seen)
            {
                seen.Add(number);
            }

            // Two replies per datagram, so a batch's send slots fill before its receive slots do.
            Span<byte> reply = stackalloc byte[8];
            BinaryPrimitives.WriteInt32BigEndian(reply, number);
            BinaryPrimitives.WriteInt32BigEndian(reply[4..], 0);
            server.Send(reply, source);
            BinaryPrimitives.WriteInt32BigEndian(reply[4..], 1);
            server.Send(reply, source);
        });
        var inbox = new DatagramInbox();
        client.Start(inbox.Handler);

        // A burst from one peer, so that the server's receive calls find many datagrams queued.
        byte[] query = new byte[4];
        for (int i = 0; i < Count; i++)
        {
            BinaryPrimitives.WriteInt32BigEndian(query, i);
            Assert.True(client.Send(query, server.LocalEndPoints[0]));
        }

        var replies = new List<(int Number, int Part)>();
        for (int i = 0; i < 2 * Count; i++)
        {
            var (data, from) = await inbox.ReceiveAsync();
            Assert.Equal(server.LocalEndPoints[0], from);
            replies.Add((BinaryPrimitives.ReadInt32BigEndian(data), BinaryPrimitives.ReadInt32BigEndian(data.AsSpan(4))));
        }

        var expected = Enumerable.Range(0, Count).SelectMany(n => new[] { (n, 0), (n, 1) }).ToList();
        Assert.Equal(expected, replies);
        Assert.Equal(Enumerable.Range(0, Count), seen);
        Assert.Equal((long)Count, server.Counters.DatagramsReceived);
        Assert.Equal(2L * Count, server.Counters.DatagramsSent);
    }

    [Fact]
    public async Task Send_ReplyLargerThanASendSlot_GoesAfterTheRepliesQueuedBeforeIt()
    {
        await using var server = new UdpTransport(new UdpTransportOptions { BindEndPoints = [new IPEndPoint(IPAddress.Loopback, 0)], ReceiveSockets = 1 });
        await using var client = new UdpTransport(new UdpTransportOptions { BindEndPoints = [new IPEndPoint(IPAddress.Loopback, 0)], ReceiveSockets = 1, MaxDatagramSize = 8192 });
        server.Start((datagram, source) =>
        {
            server.Send("small"u8, source);
            server.Send(new byte[4000], source); // larger than a send slot: sent on its own
            server.Send("after"u8, source);
        });
        var inbox = new DatagramInbox();
        client.Start(inbox.Handler);

        Assert.True(client.Send("go"u8, server.LocalEndPoints[0]));

        Assert.Equal("small"u8.ToArray(), (await inbox.ReceiveAsync()).Data);
        Assert.Equal(4000, (await inbox.ReceiveAsync()).Data.Length);
        Assert.Equal("after"u8.ToArray(), (await inbox.ReceiveAsync()).Data);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(UdpTransportOptions.MaxDatagramBatchSize + 1)]
    public void Constructor_BatchSizeOutOfRange_Throws(int batchSize) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new UdpTransport(new UdpTransportOptions { BindEndPoints = [new IPEndPoint(IPAddress.Loopback, 0)], DatagramBatchSize = batchSize }));
}
