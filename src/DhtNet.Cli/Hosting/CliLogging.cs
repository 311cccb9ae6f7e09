using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace DhtNet.Cli.Hosting;

/// <summary>Readable one-line logs on standard error, so standard output stays for results.</summary>
internal static class CliLogging
{
    public static ILoggerFactory Create(LogLevel minimum) => LoggerFactory.Create(builder =>
    {
        builder.SetMinimumLevel(minimum);
        builder.AddConsole(options =>
        {
            options.FormatterName = CliLogFormatter.FormatterName;
            options.LogToStandardErrorThreshold = LogLevel.Trace;
        });
        builder.AddConsoleFormatter<CliLogFormatter, ConsoleFormatterOptions>();
    });
}
