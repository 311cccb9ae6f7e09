using System.CommandLine;
using DhtNet.Cli.Input;
using Microsoft.Extensions.Logging;

namespace DhtNet.Cli.Hosting;

/// <summary>What a one-shot command's node runs with.</summary>
internal sealed record ClientSettings(IReadOnlyList<string> Bootstrap, int Port, TimeSpan Timeout, bool Json, LogLevel LogLevel, string? Api = null, bool Verbose = false);

/// <summary>The options of every one-shot command: --bootstrap, --port, --timeout, --json, --log-level, --verbose.</summary>
internal sealed class ClientOptions
{
    private readonly bool _bootstrapByDefault;

    /// <param name="bootstrapByDefault">False for commands that talk to one given node (ping, sample): they bootstrap only when --bootstrap is given.</param>
    /// <param name="bindPort">False when the command gives --port another meaning (provide: the port to announce); its node binds a free port.</param>
    public ClientOptions(bool bootstrapByDefault = true, bool bindPort = true)
    {
        _bootstrapByDefault = bootstrapByDefault;
        Bootstrap = SharedOptions.Bootstrap(bootstrapByDefault ? "the public routers" : "none");
        Port = bindPort ? SharedOptions.Port(0, "UDP port of the temporary node (0 picks a free one)") : null;
    }

    public Option<string[]> Bootstrap { get; }

    public Option<int>? Port { get; }

    public Option<double> Timeout { get; } = SharedOptions.Timeout();

    public Option<bool> Json { get; } = SharedOptions.Json();

    /// <summary>--api URL: run through a running `dht node --api` instead of a temporary node (commands that support it add it).</summary>
    public Option<string> Api { get; } = new("--api") { Description = "Run through the HTTP API of a running `dht node` (e.g. http://127.0.0.1:5001) instead of a temporary node; token from DHT_API_TOKEN", HelpName = "url" };

    public Option<LogLevel> LogLevel { get; } = SharedOptions.LogLevel(Microsoft.Extensions.Logging.LogLevel.Warning);

    /// <summary>--verbose: a trace of every request the node sends and what came back (see <see cref="Output.LookupTrace"/>).</summary>
    public Option<bool> Verbose { get; } = new("--verbose")
    {
        Description = "Print each request as it is sent and each answer as it comes (who was asked, what came back, how long it took): on standard error, or as {\"type\":\"trace\"} lines with --json",
    };

    public void AddTo(Command command)
    {
        command.Options.Add(Bootstrap);
        if (Port is not null)
        {
            command.Options.Add(Port);
        }

        command.Options.Add(Timeout);
        command.Options.Add(Json);
        command.Options.Add(LogLevel);
        command.Options.Add(Verbose);
    }

    /// <summary>Reads and checks the values; bad ones throw <see cref="CliException"/> (exit 1).</summary>
    public ClientSettings Read(ParseResult parse) => new(
        Inputs.Bootstrap("--bootstrap", parse.GetValue(Bootstrap), _bootstrapByDefault ? DhtOptions.PublicBootstrapNodes : []),
        Port is null ? 0 : Inputs.BindPort("--port", parse.GetValue(Port)),
        Inputs.Seconds("--timeout", parse.GetValue(Timeout)),
        parse.GetValue(Json),
        parse.GetValue(LogLevel),
        parse.GetValue(Api),
        parse.GetValue(Verbose));
}
