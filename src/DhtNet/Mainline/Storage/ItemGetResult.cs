namespace DhtNet.Mainline.Storage;

/// <summary>
/// The outcome of an <see cref="ItemStore"/> get. For a mutable item asked for with a <c>seq</c>
/// that is not older than the stored one, <see cref="IncludeValue"/> is false: BEP 44 says the
/// reply then carries <c>seq</c> but leaves out <c>k</c>, <c>v</c> and <c>sig</c>.
/// </summary>
internal readonly struct ItemGetResult
{
    internal ItemGetResult(DhtItem? item, bool includeValue)
    {
        Item = item;
        IncludeValue = includeValue;
    }

    /// <summary>The stored item, or null.</summary>
    public DhtItem? Item { get; }

    public bool Found => Item is not null;

    /// <summary>True when the reply should carry the value (and for mutable items k and sig).</summary>
    public bool IncludeValue { get; }
}
