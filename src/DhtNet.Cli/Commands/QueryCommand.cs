using System.CommandLine;
using DhtNet.Cli.Api;
using DhtNet.Cli.Hosting;
using DhtNet.Cli.Input;
using DhtNet.Cli.Output;
using Spectre.Console;

namespace DhtNet.Cli.Commands;

/// <summary>`dht query &lt;key&gt;`: the nodes closest to a key, closest first.</summary>
internal static class QueryCommand
{
    public static Command Create(CliConsole console)
    {
        var key = new Argument<string>("key") { Description = "The key, 40 hex digits" };
        var options = new ClientOptions();
        var command = new Command("query", "Find the nodes closest to a key") { key };
        options.AddTo(command);
        command.Options.Add(options.Api);
        command.SetAction((parse, cancellationToken) =>
        {
            var target = Inputs.Hex20("key", parse.GetValue(key));
            var settings = options.Read(parse);
            return settings.Api is not null
                ? ApiCommands.QueryAsync(console, settings, target, cancellationToken)
                : ClientSession.RunAsync(console, settings, session => RunAsync(session, target), cancellationToken);
        });
        return command;
    }

    private static async Task<int> RunAsync(ClientSession session, NodeId key)
    {
        var result = await session.Output.StatusAsync($"Looking up {key}", () => session.Node.QueryAsync(key, session.Cancellation));
        var table = Display.Table("#", "Node id", "Address", "Common prefix");
        int rank = 0;
        foreach (var node in result.Nodes)
        {
            session.Output.Json("node", w => Display.WriteNode(w, node));
            table.Row((++rank).ToString(), node.Id.ToString(), Display.Address(node.EndPoint), Display.Count(key.CommonPrefixLength(node.Id), "bit"));
        }

        session.Output.Line($"[bold]{Display.Count(result.Nodes.Count, "node")} closest to {key}[/]");
        session.Output.Write(table);
        session.WriteDone();
        return ExitCodes.Success;
    }
}
