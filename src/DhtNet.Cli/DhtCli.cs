using System.CommandLine;
using DhtNet.Cli.Commands;
using DhtNet.Cli.Input;
using DhtNet.Cli.Output;

namespace DhtNet.Cli;

/// <summary>The `dht` command tree and the one place that turns failures into exit codes and red messages.</summary>
internal static class DhtCli
{
    public static RootCommand CreateRootCommand(CliConsole console) => new("dht: a BitTorrent Mainline DHT node and client")
    {
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
    };

    /// <summary>Parses and runs one command line; never throws and never prints a stack trace.</summary>
    public static async Task<int> RunAsync(string[] args, CliConsole console, CancellationToken cancellationToken = default)
    {
        var output = new CliOutput(console, json: false);
        try
        {
            var parse = CreateRootCommand(console).Parse(args);
            if (parse.Errors.Count > 0)
            {
                foreach (var error in parse.Errors)
                {
                    output.Error(error.Message);
                }

                var command = parse.CommandResult.Command;
                output.Error(command is RootCommand ? "See 'dht --help'." : $"See 'dht {command.Name} --help'.");
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
