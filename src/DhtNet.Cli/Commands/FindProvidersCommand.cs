using System.CommandLine;
using DhtNet.Cli.Api;
using DhtNet.Cli.Hosting;
using DhtNet.Cli.Input;
using DhtNet.Cli.Output;

namespace DhtNet.Cli.Commands;

/// <summary>`dht findprovs &lt;infohash&gt; [--max N]`: peers that announced an infohash, printed as they are found.</summary>
internal static class FindProvidersCommand
{
    public static Command Create(CliConsole console)
    {
        var infoHash = new Argument<string>("infohash") { Description = "The infohash, 40 hex digits; with --network ipfs a CID" };
        var max = new Option<int>("--max") { Description = "Stop after this many providers", DefaultValueFactory = _ => 20 };
        var options = new ClientOptions(ipfs: true);
        var command = new Command("findprovs", "Find peers that provide (announced) an infohash or a CID") { infoHash, max };
        options.AddTo(command);
        command.Options.Add(options.Api);
        command.SetAction((parse, cancellationToken) =>
        {
            if (options.ReadNetwork(parse) == DhtNetworks.Ipfs)
            {
                var cid = Inputs.Cid("cid", parse.GetValue(infoHash));
                int most = Inputs.AtLeast("--max", parse.GetValue(max), 1);
                return ClientSession.RunAsync(console, options.Read(parse), session => RunIpfsAsync(session, cid, most), cancellationToken);
            }

            var hash = Inputs.Hex20("infohash", parse.GetValue(infoHash));
            int limit = Inputs.AtLeast("--max", parse.GetValue(max), 1);
            var settings = options.Read(parse);
            return settings.Api is not null
                ? ApiCommands.FindProvidersAsync(console, settings, hash, limit, cancellationToken)
                : ClientSession.RunAsync(console, settings, session => RunAsync(session, hash, limit), cancellationToken);
        });
        return command;
    }

    private static async Task<int> RunAsync(ClientSession session, NodeId infoHash, int max)
    {
        session.Output.Line($"[bold]Providers of {infoHash}[/]");
        int count = 0;

        // The stream ends quietly at --timeout with what it found; only Ctrl+C cancels it.
        await foreach (var peer in session.Node.FindProvidersAsync(infoHash, max, session.Remaining, session.UserCancellation))
        {
            count++;
            session.Output.Json("provider", w => w.WriteString("address", Display.Address(peer)));
            session.Output.Line($"  {Display.Escape(Display.Address(peer))}");
        }

        session.Output.Line(count == 0 ? "  [yellow]none found[/]" : $"[bold]{count} found[/]");
        session.WriteDone();
        return ExitCodes.Success;
    }

    private static async Task<int> RunIpfsAsync(ClientSession session, Cid cid, int max)
    {
        session.Output.Line($"[bold]Providers of {cid}[/]");
        int count = 0;
        await foreach (var peer in session.Ipfs.FindProvidersAsync(cid, max, session.Remaining, session.UserCancellation))
        {
            count++;
            session.Output.Json("provider", w => Display.WritePeer(w, peer));
            session.Output.Line($"  {peer.Id} at {Display.Escape(Display.Addresses(peer.Multiaddrs))}");
        }

        session.Output.Line(count == 0 ? "  [yellow]none found[/]" : $"[bold]{count} found[/]");
        session.WriteDone();
        return ExitCodes.Success;
    }
}
