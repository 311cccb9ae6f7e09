using System.Net;
using System.Threading.Channels;

namespace DhtNet.Tests.Transport;

/// <summary>Collects datagrams from a transport's handler so a test can await them with a timeout.</summary>
internal sealed class DatagramInbox
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private readonly Channel<(byte[] Data, IPEndPoint Source)> _channel = Channel.CreateUnbounded<(byte[], IPEndPoint)>();

    /// <summary>Runs before a datagram is queued; may throw to simulate a faulty handler.</summary>
    public Action<ReadOnlySpan<byte>>? BeforeQueue { get; set; }

    public DatagramHandler Handler => (datagram, source) =>
    {
        BeforeQueue?.Invoke(datagram);
        _channel.Writer.TryWrite((datagram.ToArray(), source));
    };

    public bool TryRead(out (byte[] Data, IPEndPoint Source) item) => _channel.Reader.TryRead(out item);

    public async Task<(byte[] Data, IPEndPoint Source)> ReceiveAsync()
    {
        using var cts = new CancellationTokenSource(Timeout);
        try
        {
            return await _channel.Reader.ReadAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"No datagram within {Timeout}.");
        }
    }
}
