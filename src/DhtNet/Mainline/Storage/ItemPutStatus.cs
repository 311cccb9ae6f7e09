namespace DhtNet.Mainline.Storage;

/// <summary>What an <see cref="ItemStore"/> put did, or why it refused.</summary>
internal enum ItemPutStatus
{
    /// <summary>A new item was stored.</summary>
    Stored,

    /// <summary>A mutable item was replaced by one with a higher sequence number.</summary>
    Updated,

    /// <summary>The same item was put again; its expiry was reset.</summary>
    Refreshed,

    /// <summary>205: <c>v</c> is longer than the store accepts.</summary>
    ValueTooBig,

    /// <summary>207: the salt is longer than 64 bytes.</summary>
    SaltTooBig,

    /// <summary>203: the public key is not 32 bytes or the signature not 64.</summary>
    InvalidArgument,

    /// <summary>301: <c>cas</c> does not match the stored sequence number.</summary>
    CasMismatch,

    /// <summary>302: the sequence number is lower than the stored one.</summary>
    SequenceTooLow,

    /// <summary>302: the sequence number equals the stored one but the value differs.</summary>
    SequenceNotNewer,
}
