namespace DhtNet.Mainline.Bencode;

/// <summary>
/// Limits and strictness for <see cref="BencodeReader"/>. The default is strict canonical bencode
/// with limits suited to UDP datagrams.
/// </summary>
public readonly record struct BencodeReaderOptions
{
    /// <summary>Hard ceiling for <see cref="MaxDepth"/>: the reader tracks nesting in fixed inline storage.</summary>
    public const int DepthCeiling = 64;

    public const int DefaultMaxDepth = 32;
    public const int DefaultMaxElements = 65_536;

    private readonly int _maxDepth;
    private readonly int _maxElements;

    /// <summary>Strict canonical bencode, default limits.</summary>
    public static BencodeReaderOptions Strict => default;

    /// <summary>Accepts dictionaries whose keys are unsorted or repeated, and bytes after the root value.</summary>
    public static BencodeReaderOptions Lax => new() { AllowUnsortedKeys = true, AllowTrailingBytes = true };

    /// <summary>Accept dictionary keys that are out of order or duplicated (some peers write them).</summary>
    public bool AllowUnsortedKeys { get; init; }

    /// <summary>Accept bytes after the root value instead of rejecting the input.</summary>
    public bool AllowTrailingBytes { get; init; }

    /// <summary>Deepest nesting of lists and dictionaries accepted (1..64, default 32).</summary>
    public int MaxDepth
    {
        get => _maxDepth == 0 ? DefaultMaxDepth : _maxDepth;
        init => _maxDepth = value is >= 1 and <= DepthCeiling
            ? value
            : throw new ArgumentOutOfRangeException(nameof(MaxDepth), value, $"MaxDepth must be 1..{DepthCeiling}.");
    }

    /// <summary>Most values (integers, strings, lists, dictionaries) accepted in one input.</summary>
    public int MaxElements
    {
        get => _maxElements == 0 ? DefaultMaxElements : _maxElements;
        init => _maxElements = value >= 1
            ? value
            : throw new ArgumentOutOfRangeException(nameof(MaxElements), value, "MaxElements must be positive.");
    }
}
