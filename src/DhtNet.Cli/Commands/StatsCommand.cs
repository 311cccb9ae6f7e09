using System.CommandLine;
using DhtNet.Cli.Api;
using DhtNet.Cli.Hosting;
using DhtNet.Cli.Output;

namespace DhtNet.Cli.Commands;

/// <summary>`dht stats [--api URL]`: a running node's routing tables, stores and traffic.</summary>
internal static class StatsCommand
{
    public static Command Create(CliConsole console)
    {
        var api = new Option<string>("--api")
        {
            Description = "The HTTP API of the running node (token from DHT_API_TOKEN)",
            HelpName = "url",
            DefaultValueFactory = _ => $"http://{ApiSettings.DefaultAddress}",
        };
        var json = SharedOptions.Json();
        var command = new Command("stats", "Show a running node's routing tables, stores and traffic (through its HTTP API)") { api, json };
        command.SetAction((parse, cancellationToken) =>
            ApiCommands.StatsAsync(console, parse.GetValue(api)!, parse.GetValue(json), cancellationToken));
        return command;
    }
}
