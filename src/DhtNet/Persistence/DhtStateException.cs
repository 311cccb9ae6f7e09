namespace DhtNet.Persistence;

/// <summary>
/// The state file cannot be used and setting it aside would lose something: it was written by a
/// newer DhtNet (upgrade, or point the node at another data directory), or it cannot be opened or written.
/// </summary>
public sealed class DhtStateException : Exception
{
    public DhtStateException(string message)
        : base(message)
    {
    }

    public DhtStateException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    public DhtStateException()
    {
    }

    /// <summary>The state file concerned, when there is one.</summary>
    public string? FilePath { get; init; }

    /// <summary>The format version the file says it has, when that is the problem.</summary>
    public int? FileVersion { get; init; }

    /// <summary>The newest format version this build reads, when the file's version is the problem.</summary>
    public int? SupportedVersion { get; init; }
}
