using System.CommandLine;
using DhtNet.Cli.Hosting;
using DhtNet.Cli.Input;
using DhtNet.Cli.Output;

namespace DhtNet.Cli.Commands;

/// <summary>`dht sample &lt;host:port&gt;`: a sample of the infohashes one node stores (BEP 51).</summary>
internal static class SampleCommand
{
    public static Command Create(CliConsole console)
    {
        var address = new Argument<string>("address") { Description = "The node to ask, host:port" };
        var target = new Option<string>("--target") { Description = "Target for the nodes in the answer, 40 hex digits (default: random)" };
        var options = new ClientOptions(bootstrapByDefault: false);
        var command = new Command("sample", "Ask one node for a sample of the infohashes it stores (BEP 51)") { address, target };
        options.AddTo(command);
        command.SetAction((parse, cancellationToken) =>
        {
            string text = parse.GetValue(address) ?? string.Empty;
            _ = Inputs.HostPort("address", text);
            var key = parse.GetValue(target) is { } t ? Inputs.Hex20("--target", t) : NodeId.Random();
            return ClientSession.RunAsync(console, options.Read(parse), session => RunAsync(session, text, key), cancellationToken);
        });
        return command;
    }

    private static async Task<int> RunAsync(ClientSession session, string address, NodeId target)
    {
        var endPoint = await session.ResolveAsync("address", address);
        var result = await session.Output.StatusAsync($"Asking {endPoint}", () => session.NoAnswerOnTimeoutAsync(session.Node.SampleInfohashesAsync(endPoint, target, session.Cancellation)))
            ?? throw new CliException(ExitCodes.NoNodeAnswered, $"{address} did not answer sample_infohashes");
        session.Output.Json("samples", w =>
        {
            w.WriteNumber("interval", result.Interval);
            w.WriteNumber("num", result.Num);
            w.WriteStartArray("samples");
            foreach (var sample in result.Samples)
            {
                w.WriteStringValue(sample.ToString());
            }

            w.WriteEndArray();
        });

        session.Output.Line($"[bold]{Display.Escape(Display.Address(endPoint))}[/] stores {result.Num} infohashes; {result.Samples.Count} in this sample (ask again after {result.Interval} s)");
        foreach (var sample in result.Samples)
        {
            session.Output.Line($"  {sample}");
        }

        return ExitCodes.Success;
    }
}
