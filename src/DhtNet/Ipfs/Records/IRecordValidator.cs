using System.Diagnostics.CodeAnalysis;

namespace DhtNet.Ipfs.Records;

/// <summary>
/// Decides whether a value record may be stored or believed, and which of several valid values for
/// one key is best (the libp2p kad-dht <c>Validator</c>). Both are pure functions of their inputs.
/// </summary>
public interface IRecordValidator
{
    /// <summary>True when <paramref name="value"/> is a valid record for <paramref name="key"/> at <paramref name="now"/>; otherwise <paramref name="error"/> says why.</summary>
    bool TryValidate(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, DateTimeOffset now, [NotNullWhen(false)] out string? error);

    /// <summary>The index of the best of <paramref name="values"/> (all valid for <paramref name="key"/>); stable: the same inputs pick the same index.</summary>
    int Select(ReadOnlySpan<byte> key, IReadOnlyList<ReadOnlyMemory<byte>> values);
}
