namespace DhtNet.Interop.Tests.Harness;

/// <summary>A driver answered a command with <c>ok: false</c>; the message names the peer, command and error.</summary>
public sealed class PeerCommandException(string peer, string command, string error, string details)
    : Exception($"{peer} failed '{command}': {error}{Environment.NewLine}{details}")
{
    /// <summary>The driver's error text alone.</summary>
    public string Error { get; } = error;

    /// <summary>The command that failed.</summary>
    public string Command { get; } = command;
}
