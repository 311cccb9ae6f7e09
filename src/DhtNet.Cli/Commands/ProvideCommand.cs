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
        var infoHashes = new Argument<string[]>("infohash") { Description = "Infohashes to announce, 40 hex digits each; with --network ipfs CIDs", Arity = ArgumentArity.OneOrMore };
        var peerPort = new Option<int?>("--port")
        {
            Description = "Port to announce; without it the nodes record the port our packets come from (BEP 5 implied_port)",
        };

        // Here --port is the port to announce, so the temporary node binds a free port.
        var options = new ClientOptions(bindPort: false, ipfs: true);
        var command = new Command("provide", "Announce that we have one or more infohashes (or CIDs)") { infoHashes, peerPort };
        options.AddTo(command);
        command.Options.Add(options.Api);
        command.SetAction((parse, cancellationToken) =>
        {
            if (options.ReadNetwork(parse) == DhtNetworks.Ipfs)
            {
                var cids = (parse.GetValue(infoHashes) ?? []).Select(c => Inputs.Cid("cid", c)).ToList();
                if (parse.GetValue(peerPort) is not null)
                {
                    throw CliException.BadInput("--port is the port a Mainline announce names; an IPFS provider record carries the providing node's addresses");
                }

                var ipfsSettings = options.Read(parse);
                return ipfsSettings.Api is not null
                    ? ApiCommands.ProvideIpfsAsync(console, ipfsSettings, cids, cancellationToken)
                    : ClientSession.RunAsync(console, ipfsSettings, session => RunIpfsAsync(session, cids), cancellationToken);
            }

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

    /// <summary>
    /// Announces each CID from the temporary node and counts the peers that list it afterwards: the provider
    /// records carry its addresses, which serve as long as it runs (`dht node --provide` keeps a provider up).
    /// </summary>
    private static async Task<int> RunIpfsAsync(ClientSession session, IReadOnlyList<Cid> cids)
    {
        var table = Display.Table("CID", "Stored on");
        foreach (var cid in cids)
        {
            int stored = await session.Output.StatusAsync($"Providing {cid}", () => session.IpfsPeer.ProvideConfirmedAsync(cid, session.Cancellation));
            WriteIpfsProvided(session.Output, table, cid, stored, new PeerInfo(session.IpfsPeer.PeerId, session.IpfsPeer.Host.AdvertisedAddresses));
        }

        session.Output.Write(table);
        session.WriteDone();
        return ExitCodes.Success;
    }

    /// <summary>
    /// One CID provided: the line names the provider (the peer whose addresses the records carry) and, when the
    /// provide reports it, on how many peers the record was stored (the RPC behind --api reports no count).
    /// </summary>
    internal static void WriteIpfsProvided(CliOutput output, Spectre.Console.Table table, Cid cid, int? stored, PeerInfo provider)
    {
        output.Json("provided", w =>
        {
            w.WriteString("cid", cid.ToString());
            if (stored is { } count)
            {
                w.WriteNumber("stored", count);
            }

            Display.WritePeer(w, provider);
        });
        table.Row(cid.ToString(), stored is { } n ? Display.Count(n, "peer") : $"the network, as {provider.Id}");
    }
}
