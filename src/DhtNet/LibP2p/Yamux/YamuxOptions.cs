namespace DhtNet.LibP2p.Yamux;

/// <summary>Limits and timers of one yamux session.</summary>
public sealed class YamuxOptions
{
    /// <summary>The window every stream starts with on both sides (the spec's 256 KiB).</summary>
    public const int DefaultWindowSize = 256 * 1024;

    /// <summary>
    /// How many bytes a stream lets the peer send ahead of the reader: the bound on what one stream
    /// buffers. At least 256 KiB; a larger window is announced with the SYN or ACK.
    /// </summary>
    public int ReceiveWindowSize { get; init; } = DefaultWindowSize;

    /// <summary>Open streams at once (both directions); an inbound stream beyond it is reset, an outbound one refused.</summary>
    public int MaxStreams { get; init; } = 256;

    /// <summary>
    /// Received bytes the application has not read yet, over all streams, beyond which the session
    /// stops reading from the connection until the application catches up (TCP then holds the peer
    /// back). The session buffers at most this plus one frame, whatever the number of streams.
    /// </summary>
    public int MaxBufferedBytes { get; init; } = 16 * 1024 * 1024;

    /// <summary>Inbound streams accepted by the session but not yet taken by the application; more are reset.</summary>
    public int MaxAcceptBacklog { get; init; } = 256;

    /// <summary>The largest data frame payload sent (one Noise frame holds a whole yamux frame).</summary>
    public int MaxFrameSize { get; init; } = 65535 - 16 - YamuxHeader.Size;

    /// <summary>
    /// Control frames (ACKs, pongs, resets, window updates) queued behind a blocked write at which the
    /// session stops reading from the peer until they are written: a peer that asks for answers
    /// (opens, pings) faster than it reads them is held back by TCP rather than buffered for. Twice
    /// this many (the application queues some too) closes the session.
    /// </summary>
    public int MaxControlBacklog { get; init; } = 1024;

    /// <summary>
    /// How long queued control frames may wait, with reading paused at <see cref="MaxControlBacklog"/>,
    /// for the peer to read: past it the peer is taken not to read at all and the session closes.
    /// </summary>
    public TimeSpan ControlWriteTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How often a ping checks that the peer still reads; <see cref="Timeout.InfiniteTimeSpan"/> turns it off.</summary>
    public TimeSpan KeepAliveInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a keep-alive ping may go unanswered before the session is closed.</summary>
    public TimeSpan KeepAliveTimeout { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>Clock for keep-alive and ping timing.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    internal void Validate()
    {
        if (ReceiveWindowSize < DefaultWindowSize)
        {
            throw new ArgumentOutOfRangeException(nameof(ReceiveWindowSize), "The receive window is at least 256 KiB.");
        }

        if (MaxBufferedBytes < ReceiveWindowSize)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxBufferedBytes), "The buffered-bytes bound is at least one receive window.");
        }

        if (MaxStreams < 1 || MaxAcceptBacklog < 1 || MaxControlBacklog < 16)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxStreams), "Stream, backlog and control limits must be positive.");
        }

        if (ControlWriteTimeout <= TimeSpan.Zero && ControlWriteTimeout != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(ControlWriteTimeout), "The control write timeout is positive (or infinite).");
        }

        if (MaxFrameSize is < 1024 or > 65535 - 16 - YamuxHeader.Size)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxFrameSize), "A data frame carries 1 KiB to one Noise frame.");
        }
    }
}
