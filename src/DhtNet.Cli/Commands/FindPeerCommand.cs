using System.CommandLine;
using DhtNet.Cli.Api;
using DhtNet.Cli.Hosting;
using DhtNet.Cli.Input;
using DhtNet.Cli.Output;

namespace DhtNet.Cli.Commands;

/// <summary>`dht findpeer &lt;node-id&gt;`: the address of a node, by its id.</summary>
internal static class FindPeerCommand
{
    public static Command Create(CliConsole console)
    {
        var id = new Argument<string>("node-id") { Description = "The node's id, 40 hex digits; with --network ipfs a peer id" };
        var options = new ClientOptions(ipfs: true);
        var command = new Command("findpeer", "Find the address of a node by its id") { id };
        options.AddTo(command);
        command.Options.Add(options.Api);
        command.SetAction((parse, cancellationToken) =>
        {
            if (options.ReadNetwork(parse) == DhtNetworks.Ipfs)
            {
                var peerId = Inputs.PeerId("peer-id", parse.GetValue(id));
                var ipfsSettings = options.Read(parse);
                return ipfsSettings.Api is not null
                    ? ApiCommands.FindPeerIpfsAsync(console, ipfsSettings, peerId, cancellationToken)
                    : ClientSession.RunAsync(console, ipfsSettings, session => RunIpfsAsync(session, peerId), cancellationToken);
            }

            var nodeId = Inputs.Hex20("node-id", parse.GetValue(id));
            var settings = options.Read(parse);
            return settings.Api is not null
                ? ApiCommands.FindPeerAsync(console, settings, nodeId, cancellationToken)
                : ClientSession.RunAsync(console, settings, session => RunAsync(session, nodeId), cancellationToken);
        });
        return command;
    }

    private static async Task<int> RunAsync(ClientSession session, NodeId nodeId)
    {
        var found = await session.Output.StatusAsync($"Looking for node {nodeId}", () => session.Node.FindPeerAsync(nodeId, session.Cancellation));
        if (found is null)
        {
            session.WriteDone();
            throw new CliException(ExitCodes.NotFound, $"node {nodeId} not found");
        }

        Write(session.Output, new NodeInfo(nodeId, found));
        session.WriteDone();
        return ExitCodes.Success;
    }

    private static async Task<int> RunIpfsAsync(ClientSession session, PeerId peerId)
    {
        var found = await session.Output.StatusAsync($"Looking for peer {peerId}", () => session.Ipfs.FindPeerAsync(peerId, session.Cancellation));
        if (found is null)
        {
            session.WriteDone();
            throw new CliException(ExitCodes.NotFound, $"peer {peerId} not found");
        }

        WriteIpfs(session.Output, found);
        session.WriteDone();
        return ExitCodes.Success;
    }

    /// <summary>The node found, from a temporary node or a running one through --api.</summary>
    internal static void Write(CliOutput output, NodeInfo found)
    {
        output.Json("peer", w => Display.WriteNode(w, found));
        output.Line($"Node [bold]{found.Id}[/] is at [bold]{Display.Escape(Display.Address(found.EndPoint))}[/]");
    }

    /// <summary>The IPFS peer found.</summary>
    internal static void WriteIpfs(CliOutput output, PeerInfo found)
    {
        output.Json("peer", w => Display.WritePeer(w, found));
        output.Line($"Peer [bold]{found.Id}[/] is at [bold]{Display.Escape(Display.Addresses(found.Multiaddrs))}[/]");
    }
}
