using System.Diagnostics.CodeAnalysis;

namespace DhtNet.Mainline.Krpc;

/// <summary>
/// The one way decoding reports bad input (it never throws): either a <see cref="Message"/>, or
/// a failure with a <see cref="FailureReason"/> and, when the sender deserves an answer, an
/// <see cref="ErrorReply"/> (203 protocol error or 204 method unknown, carrying the sender's
/// transaction id) to send back. A failure without a reply is dropped.
/// </summary>
internal readonly struct KrpcDecodeResult
{
    private KrpcDecodeResult(KrpcMessage? message, KrpcError? errorReply, string? failureReason)
    {
        Message = message;
        ErrorReply = errorReply;
        FailureReason = failureReason;
    }

    /// <summary>The decoded message; null on failure.</summary>
    public KrpcMessage? Message { get; }

    /// <summary>The error to answer with, or null to drop silently.</summary>
    public KrpcError? ErrorReply { get; }

    /// <summary>Why decoding failed (a constant text, for logs and tests).</summary>
    public string? FailureReason { get; }

    [MemberNotNullWhen(true, nameof(Message))]
    public bool IsSuccess => Message is not null;

    public override string ToString() =>
        IsSuccess ? Message.GetType().Name : ErrorReply is { } reply ? $"reply {reply}" : $"drop: {FailureReason}";

    internal static KrpcDecodeResult Success(KrpcMessage message) => new(message, null, null);

    internal static KrpcDecodeResult Drop(string reason) => new(null, null, reason);

    internal static KrpcDecodeResult Reply(int code, string reason, ReadOnlyMemory<byte> transactionId) =>
        new(null, new KrpcError(code, reason) { TransactionId = transactionId }, reason);
}
