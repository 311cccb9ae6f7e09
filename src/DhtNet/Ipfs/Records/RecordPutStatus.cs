namespace DhtNet.Ipfs.Records;

/// <summary>What <see cref="RecordStore.Put"/> did with a record.</summary>
public enum RecordPutStatus
{
    /// <summary>Valid and at least as good as what was stored: stored.</summary>
    Stored,

    /// <summary>The validator refused it (bad signature, expired, unknown namespace, …): nothing changed.</summary>
    Invalid,

    /// <summary>Valid but worse than the stored record (e.g. a lower IPNS sequence): nothing changed.</summary>
    Older,

    /// <summary>Larger than the store's whole byte bound: nothing changed.</summary>
    TooLarge,
}
