using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using DhtNet.Cli.Commands;
using DhtNet.Cli.Input;
using DhtNet.Cli.Output;

namespace DhtNet.Cli;

/// <summary>The `dht` command tree and the one place that turns failures into exit codes and red messages.</summary>
internal static class DhtCli
{
    // A plain command named "dht" rather than a RootCommand, whose name is the executable's
    // ("dotnet", or the test host's when run in-process).
    public static Command CreateRootCommand(CliConsole console)
    {
        var root = CreateCommands(console);
        EnvironmentDefaults.Apply(root, Environment.GetEnvironmentVariable);
        return root;
    }

    private static Command CreateCommands(CliConsole console) => new("dht", "dht: a BitTorrent Mainline DHT node and client")
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
        SimulateCommand.Create(console),
        KeygenCommand.Create(console),
        SwarmCommand.Create(console),
        StatsCommand.Create(console),
    };

    /// <summary>
    /// "Did you mean ...?" for the first token that matched nothing, or null. The candidates come from
    /// System.CommandLine's own typo correction (ParseErrorAction), which lists the commands and
    /// options within a small edit distance; its error lines are printed by us already, so only the
    /// candidates are kept, and only those of the token's kind (an option for "--bootstrp", a command
    /// for "qeury").
    /// </summary>
    private static string? DidYouMean(ParseResult parse)
    {
        using var listing = new StringWriter();
        parse.InvocationConfiguration.Output = listing;
        parse.InvocationConfiguration.Error = TextWriter.Null;
        new ParseErrorAction { ShowHelp = false, ShowTypoCorrections = true }.Invoke(parse);

        // The listing: "'TOKEN' was not matched. Did you mean one of the following?" then one candidate a line.
        string? token = null;
        var candidates = new List<string>();
        foreach (string line in listing.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (line.EndsWith("Did you mean one of the following?", StringComparison.Ordinal))
            {
                if (token is not null)
                {
                    break;
                }

                token = line[1..line.IndexOf('\'', 1)];
            }
            else if (token is not null && line.StartsWith('-') == token.StartsWith('-'))
            {
                candidates.Add(line);
            }
        }

        return candidates.Count == 0 ? null : $"Did you mean {string.Join(" or ", candidates.Select(c => $"'{c}'"))}?";
    }

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
                    // Said of every mistyped command; the line about the token itself is the useful one.
                    if (parse.Errors.Count == 1 || error.Message != "Required command was not provided.")
                    {
                        output.Error(error.Message);
                    }
                }

                if (DidYouMean(parse) is { } suggestion)
                {
                    output.Error(suggestion);
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
