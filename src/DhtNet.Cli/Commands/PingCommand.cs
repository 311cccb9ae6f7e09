using System.CommandLine;
using System.Diagnostics;
using DhtNet.Cli.Hosting;
using DhtNet.Cli.Input;
using DhtNet.Cli.Output;

namespace DhtNet.Cli.Commands;

/// <summary>`dht ping &lt;host:port&gt;`: whether a node answers, its id and the round trip.</summary>
internal static class PingCommand
{
    public static Command Create(CliConsole console)
    {
        var address = new Argument<string>("address") { Description = "The node to ping, host:port" };
        var options = new ClientOptions(bootstrapByDefault: false);
        var command = new Command("ping", "Ping one node") { address };
        options.AddTo(command);
        command.SetAction((parse, cancellationToken) =>
        {
            string text = parse.GetValue(address) ?? string.Empty;
            _ = Inputs.HostPort("address", text);
            return ClientSession.RunAsync(console, options.Read(parse), session => RunAsync(session, text), cancellationToken);
        });
        return command;
    }

    private static async Task<int> RunAsync(ClientSession session, string address)
    {
        var endPoint = await session.ResolveAsync("address", address);
        long start = Stopwatch.GetTimestamp();
        if (await session.NoAnswerOnTimeoutAsync(session.Node.PingAsync(endPoint, session.Cancellation)) is not { } node)
        {
            throw new CliException(ExitCodes.NoNodeAnswered, $"{address} did not answer the ping");
        }

        var rtt = Stopwatch.GetElapsedTime(start);
        session.Output.Json("pong", w =>
        {
            Display.WriteNode(w, node);
            w.WriteNumber("rttMs", Math.Round(rtt.TotalMilliseconds, 2));
        });
        session.Output.Line($"Pong from [bold]{node.Id}[/] at {Display.Escape(Display.Address(endPoint))} in {Display.Duration(rtt)}");
        return ExitCodes.Success;
    }
}
