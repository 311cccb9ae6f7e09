namespace DhtNet.Cli.Api;

/// <summary>A request argument that cannot be used: HTTP 400 with a message naming <see cref="Argument"/>.</summary>
internal sealed class ApiArgumentException(string argument, string message) : Exception($"{argument}: {message}")
{
    public string Argument { get; } = argument;
}

/// <summary>
/// An operation that ran and failed (nothing found, no node stored it): HTTP 500 in the kubo error
/// shape, or a query-error event once the stream has begun. The messages are kubo's where clients
/// look for them ("routing: not found", "context deadline exceeded").
/// </summary>
internal sealed class ApiOperationException(string message) : Exception(message)
{
    public const string NotFound = "routing: not found";

    public const string DeadlineExceeded = "context deadline exceeded";
}
