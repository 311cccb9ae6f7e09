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
        var key = new Argument<string>("key") { Description = "The key, 40 hex digits; with --network ipfs a peer id or a CID" };
        var options = new ClientOptions(ipfs: true);
        var command = new Command("query", "Find the nodes closest to a key") { key };
        options.AddTo(command);
        command.Options.Add(options.Api);
        command.SetAction((parse, cancellationToken) =>
        {
            if (options.ReadNetwork(parse) == DhtNetworks.Ipfs)
            {
                string text = parse.GetValue(key)!.Trim();
                byte[] ipfsKey = Inputs.IpfsLookupKey("key", text);
                var ipfsSettings = options.Read(parse);
                return ipfsSettings.Api is not null
                    ? ApiCommands.QueryIpfsAsync(console, ipfsSettings, ipfsKey, text, cancellationToken)
                    : ClientSession.RunAsync(console, ipfsSettings, session => RunIpfsAsync(session, ipfsKey, text), cancellationToken);
            }

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
        Write(session.Output, key, result.Nodes);
        session.WriteDone();
        return ExitCodes.Success;
    }

    private static async Task<int> RunIpfsAsync(ClientSession session, byte[] key, string shown)
    {
        var peers = await session.Output.StatusAsync($"Looking up {shown}", () => session.Ipfs.QueryAsync(key, session.Cancellation));
        WriteIpfs(session.Output, key, shown, peers);
        session.WriteDone();
        return ExitCodes.Success;
    }

    /// <summary>The closest nodes to a Mainline key, closest first (a temporary node's answer or a running one's through --api).</summary>
    internal static void Write(CliOutput output, NodeId key, IReadOnlyList<NodeInfo> nodes)
    {
        var table = Display.Table("#", "Node id", "Address", "Common prefix");
        int rank = 0;
        foreach (var node in nodes)
        {
            output.Json("node", w => Display.WriteNode(w, node));
            table.Row((++rank).ToString(), node.Id.ToString(), Display.Address(node.EndPoint), Display.Count(key.CommonPrefixLength(node.Id), "bit"));
        }

        output.Line($"[bold]{Display.Count(nodes.Count, "node")} closest to {key}[/]");
        output.Write(table);
    }

    /// <summary>The closest IPFS peers to a key, closest first.</summary>
    internal static void WriteIpfs(CliOutput output, byte[] key, string shown, IReadOnlyList<PeerInfo> peers)
    {
        var target = Key256.Sha256(key);
        var table = Display.Table("#", "Peer id", "Addresses", "Common prefix");
        int rank = 0;
        foreach (var peer in peers)
        {
            output.Json("node", w => Display.WritePeer(w, peer));
            table.Row((++rank).ToString(), peer.Id.ToString(), Display.Addresses(peer.Multiaddrs), Display.Count(target.CommonPrefixLength(IpfsContact.KeyOf(peer.Id)), "bit"));
        }

        output.Line($"[bold]{Display.Count(peers.Count, "peer")} closest to {Display.Escape(shown)}[/]");
        output.Write(table);
    }
}
