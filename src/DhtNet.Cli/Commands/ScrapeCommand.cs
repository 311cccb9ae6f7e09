using System.CommandLine;
using DhtNet.Cli.Hosting;
using DhtNet.Cli.Input;
using DhtNet.Cli.Output;

namespace DhtNet.Cli.Commands;

/// <summary>`dht scrape &lt;infohash&gt;`: estimated seeds and peers of a swarm (BEP 33).</summary>
internal static class ScrapeCommand
{
    public static Command Create(CliConsole console)
    {
        var infoHash = new Argument<string>("infohash") { Description = "The infohash, 40 hex digits" };
        var options = new ClientOptions();
        var command = new Command("scrape", "Estimate how many seeds and peers an infohash has (BEP 33)") { infoHash };
        options.AddTo(command);
        command.SetAction((parse, cancellationToken) =>
        {
            var hash = Inputs.Hex20("infohash", parse.GetValue(infoHash));
            return ClientSession.RunAsync(console, options.Read(parse), session => RunAsync(session, hash), cancellationToken);
        });
        return command;
    }

    private static async Task<int> RunAsync(ClientSession session, NodeId infoHash)
    {
        var result = await session.Output.StatusAsync($"Scraping {infoHash}", () => session.Node.ScrapeAsync(infoHash, session.Cancellation));
        session.Output.Json("scrape", w =>
        {
            w.WriteString("infohash", result.InfoHash.ToString());
            w.WriteNumber("seeds", result.Seeds);
            w.WriteNumber("peers", result.Peers);
        });
        session.Output.Write(Display.Table("Infohash", "Seeds", "Peers").Row(result.InfoHash.ToString(), result.Seeds.ToString(), result.Peers.ToString()));
        session.WriteDone();
        return ExitCodes.Success;
    }
}
