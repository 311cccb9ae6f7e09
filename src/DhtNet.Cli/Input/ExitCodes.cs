namespace DhtNet.Cli.Input;

/// <summary>The exit codes of every `dht` command (documented in docs/cli.md).</summary>
internal static class ExitCodes
{
    public const int Success = 0;

    /// <summary>Bad usage or bad input, including parse errors.</summary>
    public const int BadInput = 1;

    /// <summary>The thing asked for was not found (get, findpeer).</summary>
    public const int NotFound = 2;

    /// <summary>No node answered: bootstrap failed, or the node pinged or sampled was silent.</summary>
    public const int NoNodeAnswered = 3;

    /// <summary>The operation did not finish within --timeout, or (swarm) an operation failed.</summary>
    public const int Failed = 4;

    /// <summary>Ctrl+C during a one-shot command (128 + SIGINT, as shells report it).</summary>
    public const int Cancelled = 130;
}
