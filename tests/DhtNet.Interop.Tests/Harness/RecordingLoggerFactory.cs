using Microsoft.Extensions.Logging;

namespace DhtNet.Interop.Tests.Harness;

/// <summary>
/// Keeps what a DhtNet node logs (debug and up) as lines a test can await and print on failure:
/// dropped malformed datagrams are logged at debug, and they are what interop tests look for.
/// </summary>
public sealed class RecordingLoggerFactory : ILoggerFactory, ILoggerProvider
{
    /// <summary>The lines, "Level Category: message" (newest 5,000).</summary>
    public ObservedLog<string> Lines { get; } = new(5_000);

    /// <inheritdoc />
    public ILogger CreateLogger(string categoryName) => new Recorder(this, ShortName(categoryName));

    /// <inheritdoc />
    public void AddProvider(ILoggerProvider provider)
    {
        // Everything goes to Lines; other providers are not needed in tests.
    }

    /// <inheritdoc />
    public void Dispose()
    {
    }

    private static string ShortName(string category) =>
        category.LastIndexOf('.') is int dot and >= 0 ? category[(dot + 1)..] : category;

    private sealed class Recorder(RecordingLoggerFactory owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Debug;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            string line = $"{logLevel} {category}: {formatter(state, exception)}";
            owner.Lines.Add(exception is null ? line : $"{line} ({exception.GetType().Name}: {exception.Message})");
        }
    }
}
