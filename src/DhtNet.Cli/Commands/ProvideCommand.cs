using System.CommandLine;
using DhtNet.Cli.Api;
using DhtNet.Cli.Hosting;
using DhtNet.Cli.Input;
using DhtNet.Cli.Output;

namespace DhtNet.Cli.Commands;

/// <summary>`dht provide &lt;infohash&gt;... [--port P]`: announces that we have the infohashes.</summary>
internal static class ProvideCommand
{
    public static Command Create(CliConsole console)
    {
        var infoHashes = new Argument<string[]>("infohash") { Description = "Infohashes to announce, 40 hex digits each", Arity = ArgumentArity.OneOrMore };
        var peerPort = new Option<int?>("--port")
        {
            Description = "Port to announce; without it the nodes record the port our packets come from (BEP 5 implied_port)",
        };

        // Here --port is the port to announce, so the temporary node binds a free port.
        var options = new ClientOptions(bindPort: false);
        var command = new Command("provide", "Announce that we have one or more infohashes") { infoHashes, peerPort };
        options.AddTo(command);
        command.Options.Add(options.Api);
        command.SetAction((parse, cancellationToken) =>
        {
            var hashes = (parse.GetValue(infoHashes) ?? []).Select(h => Inputs.Hex20("infohash", h)).ToList();
            int? port = parse.GetValue(peerPort) is { } p ? Inputs.Port("--port", p) : null;
            var settings = options.Read(parse);
            if (settings.Api is not null)
            {
                // The running node announces the port it listens on, and renews nothing it was not asked to keep.
                return port is not null
                    ? throw CliException.BadInput("--port cannot be used with --api: the node announces the port it listens on")
                    : ApiCommands.ProvideAsync(console, settings, hashes, cancellationToken);
            }

            return ClientSession.RunAsync(console, settings, session => RunAsync(session, hashes, port), cancellationToken);
        });
        return command;
    }

    private static async Task<int> RunAsync(ClientSession session, IReadOnlyList<NodeId> infoHashes, int? port)
    {
        var results = await session.Output.StatusAsync(
            $"Announcing {Display.Count(infoHashes.Count, "infohash", "infohashes")}",
            () => session.Node.ProvideAsync(infoHashes, port, session.Cancellation));
        var table = Display.Table("Infohash", "Stored on");
        foreach (var result in results)
        {
            session.Output.Json("provided", w =>
            {
                w.WriteString("infohash", result.InfoHash.ToString());
                w.WriteNumber("stored", result.Stored);
            });
            table.Row(result.InfoHash.ToString(), Display.Count(result.Stored, "node"));
        }

        session.Output.Write(table);
        session.WriteDone();
        return ExitCodes.Success;
    }
}
