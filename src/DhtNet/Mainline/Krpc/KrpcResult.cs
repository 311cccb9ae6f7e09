using System.Diagnostics.CodeAnalysis;

namespace DhtNet.Mainline.Krpc;

/// <summary>The outcome of one query: the typed response, the node's error, or why there is neither.</summary>
internal readonly struct KrpcResult
{
    private KrpcResult(KrpcResultStatus status, KrpcResponse? response, KrpcError? error, TimeSpan roundTripTime, string? failureReason)
    {
        Status = status;
        Response = response;
        Error = error;
        RoundTripTime = roundTripTime;
        FailureReason = failureReason;
    }

    public KrpcResultStatus Status { get; }

    /// <summary>The response when <see cref="Status"/> is <see cref="KrpcResultStatus.Response"/>.</summary>
    public KrpcResponse? Response { get; }

    /// <summary>The error when <see cref="Status"/> is <see cref="KrpcResultStatus.Error"/>.</summary>
    public KrpcError? Error { get; }

    /// <summary>Time from sending to the answer (zero when there was none).</summary>
    public TimeSpan RoundTripTime { get; }

    /// <summary>Why an <see cref="KrpcResultStatus.InvalidResponse"/> was rejected.</summary>
    public string? FailureReason { get; }

    [MemberNotNullWhen(true, nameof(Response))]
    public bool IsResponse => Status == KrpcResultStatus.Response;

    /// <summary>True when the node answered at all (a response or an error): it is alive.</summary>
    public bool NodeAnswered => Status is KrpcResultStatus.Response or KrpcResultStatus.Error or KrpcResultStatus.InvalidResponse;

    public static KrpcResult FromResponse(KrpcResponse response, TimeSpan roundTripTime) =>
        new(KrpcResultStatus.Response, response ?? throw new ArgumentNullException(nameof(response)), null, roundTripTime, null);

    public static KrpcResult FromError(KrpcError error, TimeSpan roundTripTime) =>
        new(KrpcResultStatus.Error, null, error ?? throw new ArgumentNullException(nameof(error)), roundTripTime, null);

    public static KrpcResult Invalid(string reason, TimeSpan roundTripTime) =>
        new(KrpcResultStatus.InvalidResponse, null, null, roundTripTime, reason);

    public static KrpcResult Failed(KrpcResultStatus status) => new(status, null, null, TimeSpan.Zero, null);

    /// <summary>The response as <typeparamref name="T"/>, or null when there is none.</summary>
    public T? ResponseAs<T>()
        where T : KrpcResponse => Response as T;

    public override string ToString() => Status switch
    {
        KrpcResultStatus.Response => $"{Response!.GetType().Name} in {RoundTripTime.TotalMilliseconds:0.#} ms",
        KrpcResultStatus.Error => $"error {Error}",
        KrpcResultStatus.InvalidResponse => $"invalid response: {FailureReason}",
        _ => Status.ToString(),
    };
}
