using System.Diagnostics;
using System.Security.Cryptography;

namespace DhtNet.LibP2p.Ping;

/// <summary>libp2p ping: the dialer sends 32 random bytes, the listener echoes them; repeated on one stream.</summary>
public static class PingProtocol
{
    public const string Id = "/ipfs/ping/1.0.0";

    public const int PayloadLength = 32;

    /// <summary>One round on an open ping stream; the round-trip time. <see cref="LibP2pProtocolException"/> for a wrong echo.</summary>
    public static async Task<TimeSpan> PingAsync(Stream stream, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        byte[] payload = RandomNumberGenerator.GetBytes(PayloadLength);
        byte[] echo = new byte[PayloadLength];
        long started = Stopwatch.GetTimestamp();
        await stream.WriteAsync(payload, cancellationToken).ConfigureAwait(false);
        await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await stream.ReadExactlyAsync(echo, cancellationToken).ConfigureAwait(false);
        }
        catch (EndOfStreamException e)
        {
            throw new LibP2pProtocolException("ping: the peer closed the stream without echoing.", e);
        }

        var elapsed = Stopwatch.GetElapsedTime(started);
        return payload.AsSpan().SequenceEqual(echo) ? elapsed : throw new LibP2pProtocolException("ping: the echo differs from what was sent.");
    }

    /// <summary>The listener's side: echoes 32-byte payloads until the dialer closes its side.</summary>
    public static async Task EchoAsync(Stream stream, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        byte[] payload = new byte[PayloadLength];
        while (true)
        {
            int got = await stream.ReadAtLeastAsync(payload, PayloadLength, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
            if (got < PayloadLength)
            {
                return;
            }

            await stream.WriteAsync(payload, cancellationToken).ConfigureAwait(false);
            await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}
