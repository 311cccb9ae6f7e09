using System.CommandLine;
using System.Net;
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
                var ipfsSettings = options.Read(parse);
                return ipfsSettings.Api is not null
                    ? ApiCommands.FindProvidersIpfsAsync(console, ipfsSettings, cid, most, cancellationToken)
                    : ClientSession.RunAsync(console, ipfsSettings, session => RunIpfsAsync(session, cid, most), cancellationToken);
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
        // The stream ends quietly at --timeout with what it found; only Ctrl+C cancels it.
        await WriteAsync(session.Output, infoHash.ToString(), session.Node.FindProvidersAsync(infoHash, max, session.Remaining, session.UserCancellation), WriteProvider);
        session.WriteDone();
        return ExitCodes.Success;
    }

    private static async Task<int> RunIpfsAsync(ClientSession session, Cid cid, int max)
    {
        await WriteAsync(session.Output, cid.ToString(), session.Ipfs.FindProvidersAsync(cid, max, session.Remaining, session.UserCancellation), WriteIpfsProvider);
        session.WriteDone();
        return ExitCodes.Success;
    }

    /// <summary>Prints providers as they are found, from a temporary node or a running one through --api.</summary>
    internal static async Task WriteAsync<T>(CliOutput output, string key, IAsyncEnumerable<T> providers, Action<CliOutput, T> write)
    {
        output.Line($"[bold]Providers of {key}[/]");
        int count = 0;
        await foreach (var provider in providers)
        {
            count++;
            write(output, provider);
        }

        output.Line(count == 0 ? "  [yellow]none found[/]" : $"[bold]{count} found[/]");
    }

    /// <summary>A BitTorrent peer that announced the infohash.</summary>
    internal static void WriteProvider(CliOutput output, IPEndPoint peer)
    {
        output.Json("provider", w => w.WriteString("address", Display.Address(peer)));
        output.Line($"  {Display.Escape(Display.Address(peer))}");
    }

    /// <summary>An IPFS peer with a provider record for the CID.</summary>
    internal static void WriteIpfsProvider(CliOutput output, PeerInfo peer)
    {
        output.Json("provider", w => Display.WritePeer(w, peer));
        output.Line($"  {peer.Id} at {Display.Escape(Display.Addresses(peer.Multiaddrs))}");
    }
}
