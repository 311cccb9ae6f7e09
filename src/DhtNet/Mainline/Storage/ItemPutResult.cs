using DhtNet.Mainline.Krpc;

namespace DhtNet.Mainline.Storage;

/// <summary>
/// The outcome of an <see cref="ItemStore"/> put: success, or the BEP 44 error code and message
/// to send back in a KRPC error reply.
/// </summary>
internal readonly struct ItemPutResult
{
    internal ItemPutResult(ItemPutStatus status, NodeId target)
    {
        Status = status;
        Target = target;
    }

    public ItemPutStatus Status { get; }

    /// <summary>The item's target; also set when the put was refused, except for a bad k, sig or salt size (then default).</summary>
    public NodeId Target { get; }

    /// <summary>True when the item is stored (new, updated or refreshed).</summary>
    public bool IsSuccess => Status is ItemPutStatus.Stored or ItemPutStatus.Updated or ItemPutStatus.Refreshed;

    /// <summary>The KRPC error code to reply with; 0 on success.</summary>
    public int ErrorCode => Status switch
    {
        ItemPutStatus.ValueTooBig => KrpcErrorCode.MessageTooBig,
        ItemPutStatus.SaltTooBig => KrpcErrorCode.SaltTooBig,
        ItemPutStatus.InvalidArgument => KrpcErrorCode.Protocol,
        ItemPutStatus.CasMismatch => KrpcErrorCode.CasMismatch,
        ItemPutStatus.SequenceTooLow or ItemPutStatus.SequenceNotNewer => KrpcErrorCode.SequenceNumberLessThanCurrent,
        _ => 0,
    };

    /// <summary>The KRPC error message to reply with; null on success.</summary>
    public string? ErrorMessage => Status switch
    {
        ItemPutStatus.ValueTooBig => "message (v field) too big",
        ItemPutStatus.SaltTooBig => "salt (salt field) too big",
        ItemPutStatus.InvalidArgument => "invalid k or sig size",
        ItemPutStatus.CasMismatch => "the CAS hash mismatched, re-read value and try again",
        ItemPutStatus.SequenceTooLow => "sequence number less than current",
        ItemPutStatus.SequenceNotNewer => "sequence number equal to current with a different value",
        _ => null,
    };

    public override string ToString() => IsSuccess ? $"{Status} {Target}" : $"{ErrorCode} {ErrorMessage}";
}
