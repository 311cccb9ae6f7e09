namespace DhtNet.Cli.Input;

/// <summary>Ends a command with <see cref="ExitCode"/>; the top level prints the message in red, without a stack trace.</summary>
internal sealed class CliException(int exitCode, string message) : Exception(message)
{
    public int ExitCode { get; } = exitCode;

    /// <summary>Bad usage or input; <paramref name="message"/> names the argument and what is wrong with it.</summary>
    public static CliException BadInput(string message) => new(ExitCodes.BadInput, message);
}
