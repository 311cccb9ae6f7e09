using System.Net;

namespace DhtNet.Mainline.Krpc;

/// <summary>A query awaiting its answer in the dispatcher's table. Mutable fields are guarded by the dispatcher's lock.</summary>
internal sealed class PendingQuery(KrpcDispatcher owner, KrpcMethod method, IPEndPoint destination, long startTimestamp, CancellationToken cancellationToken, bool abandonable)
{
    // Completed inline (no RunContinuationsAsynchronously): under a virtual clock whatever awaits
    // the answer runs before the clock moves on. It is always completed outside the lock.
    public TaskCompletionSource<KrpcResult> Completion { get; } = new();

    public KrpcDispatcher Owner { get; } = owner;

    public KrpcMethod Method { get; } = method;

    public IPEndPoint Destination { get; } = destination;

    public long StartTimestamp { get; } = startTimestamp;

    public CancellationToken CancellationToken { get; } = cancellationToken;

    /// <summary>Cancellation ends the query with <see cref="KrpcResultStatus.Abandoned"/> instead of cancelling its task.</summary>
    public bool Abandonable { get; } = abandonable;

    public ushort TransactionId { get; set; }

    public ITimer? Timer { get; set; }

    public CancellationTokenRegistration Registration { get; set; }
}
