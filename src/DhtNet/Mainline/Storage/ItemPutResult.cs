namespace DhtNet.Mainline.Storage;

/// <summary>
/// The outcome of an <see cref="ItemStore"/> put: success, or the BEP 44 error code and message
/// to send back in a KRPC error reply.
/// </summary>
internal readonly struct ItemPutResult
{
    /// <summary>BEP 5 protocol error (malformed arguments).</summary>
    public const int ProtocolErrorCode = 203;

    /// <summary>BEP 44: message (<c>v</c>) too big.</summary>
    public const int ValueTooBigCode = 205;

    /// <summary>BEP 44: salt too big.</summary>
    public const int SaltTooBigCode = 207;

    /// <summary>BEP 44: the CAS mismatched; re-read the value and try again.</summary>
    public const int CasMismatchCode = 301;

    /// <summary>BEP 44: sequence number less than current.</summary>
    public const int SequenceNumberCode = 302;

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
        ItemPutStatus.ValueTooBig => ValueTooBigCode,
        ItemPutStatus.SaltTooBig => SaltTooBigCode,
        ItemPutStatus.InvalidArgument => ProtocolErrorCode,
        ItemPutStatus.CasMismatch => CasMismatchCode,
        ItemPutStatus.SequenceTooLow or ItemPutStatus.SequenceNotNewer => SequenceNumberCode,
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
