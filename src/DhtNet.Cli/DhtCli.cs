using System.CommandLine;
using System.CommandLine.Help;
using DhtNet.Cli.Commands;
using DhtNet.Cli.Input;
using DhtNet.Cli.Output;

namespace DhtNet.Cli;

/// <summary>The `dht` command tree and the one place that turns failures into exit codes and red messages.</summary>
internal static class DhtCli
{
    // A plain command named "dht" rather than a RootCommand, whose name is the executable's
    // ("dotnet", or the test host's when run in-process).
    public static Command CreateRootCommand(CliConsole console) => new("dht", "dht: a BitTorrent Mainline DHT node and client")
    {
        new HelpOption(),
        new VersionOption(),
        NodeCommand.Create(console),
        QueryCommand.Create(console),
        FindPeerCommand.Create(console),
        FindProvidersCommand.Create(console),
        ProvideCommand.Create(console),
        GetCommand.Create(console),
        PutCommand.Create(console),
        ScrapeCommand.Create(console),
        SampleCommand.Create(console),
        PingCommand.Create(console),
        KeygenCommand.Create(console),
        SwarmCommand.Create(console),
        StatsCommand.Create(console),
    };

    /// <summary>Parses and runs one command line; never throws and never prints a stack trace.</summary>
    public static async Task<int> RunAsync(string[] args, CliConsole console, CancellationToken cancellationToken = default)
    {
        var output = new CliOutput(console, json: false);
        try
        {
            // `dht` alone shows what it can do.
            var parse = CreateRootCommand(console).Parse(args.Length == 0 ? ["--help"] : args);
            if (parse.Errors.Count > 0)
            {
                foreach (var error in parse.Errors)
                {
                    output.Error(error.Message);
                }

                var command = parse.CommandResult.Command;
                output.Error(command.Name == "dht" ? "See 'dht --help'." : $"See 'dht {command.Name} --help'.");
                return ExitCodes.BadInput;
            }

            var configuration = new InvocationConfiguration
            {
                Output = console.Output,
                Error = console.Error,
                EnableDefaultExceptionHandler = false,
                // Program turns SIGINT and SIGTERM into cancellation itself.
                ProcessTerminationTimeout = null,
            };
            return await parse.InvokeAsync(configuration, cancellationToken);
        }
        catch (CliException e)
        {
            output.Error(e.Message);
            return e.ExitCode;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            output.Error("cancelled");
            return ExitCodes.Cancelled;
        }
        catch (Exception e)
        {
            output.Error($"error: {e.Message}");
            return ExitCodes.Failed;
        }
    }
}
