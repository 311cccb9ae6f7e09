using System.CommandLine;
using System.Diagnostics;
using DhtNet.Cli.Hosting;
using DhtNet.Cli.Input;
using DhtNet.Cli.Output;
using DhtNet.Cli.Swarm;
using Microsoft.Extensions.Logging;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace DhtNet.Cli.Commands;

/// <summary>
/// `dht swarm`: forms a Mainline DHT and an IPFS DHT of many nodes on 127.0.0.1 and runs every operation
/// on both, so the whole tool can be tried (and tested) on a machine without internet.
/// </summary>
internal static class SwarmCommand
{
    private const string NotApplicable = "—";

    public static Command Create(CliConsole console)
    {
        var network = Networks.Option(allowBoth: true);
        network.Description = "The DHTs to form and try: mainline, ipfs or both";
        var nodes = new Option<int>("--nodes") { Description = "Mainline nodes in the network (UDP)", DefaultValueFactory = _ => 64 };
        var ipfsNodes = new Option<int>("--ipfs-nodes") { Description = "IPFS DHT nodes in the network (libp2p over TCP)", DefaultValueFactory = _ => 16 };
        var keep = new Option<bool>("--keep") { Description = "Leave the network running after the checks (until Ctrl+C) to use it from another shell" };
        var timeout = SharedOptions.Timeout();
        timeout.Description = "Give up an operation after this many seconds";
        var json = SharedOptions.Json();
        var logLevel = SharedOptions.LogLevel(LogLevel.Warning);
        var command = new Command("swarm", "Start a Mainline DHT and an IPFS DHT of many nodes on 127.0.0.1 and run every operation on both") { network, nodes, ipfsNodes, keep, timeout, json, logLevel };
        command.SetAction((parse, cancellationToken) =>
        {
            var networks = Networks.Parse(parse.GetValue(network));
            return RunAsync(
                new CliOutput(console, parse.GetValue(json)),
                networks.Has(DhtNetworks.Mainline) ? Inputs.AtLeast("--nodes", parse.GetValue(nodes), 3) : 0,
                networks.Has(DhtNetworks.Ipfs) ? Inputs.AtLeast("--ipfs-nodes", parse.GetValue(ipfsNodes), 3) : 0,
                parse.GetValue(keep),
                Inputs.Seconds("--timeout", parse.GetValue(timeout)),
                parse.GetValue(logLevel),
                cancellationToken);
        });
        return command;
    }

    private static async Task<int> RunAsync(CliOutput output, int count, int ipfsCount, bool keep, TimeSpan timeout, LogLevel logLevel, CancellationToken cancellationToken)
    {
        using var loggers = CliLogging.Create(logLevel);
        long start = Stopwatch.GetTimestamp();
        string forming = string.Join(" and ", Sizes(count, ipfsCount));
        await using var network = await output.ProgressAsync(
            $"Starting {forming} on 127.0.0.1",
            count + ipfsCount,
            progress => LocalNetwork.StartAsync(count, ipfsCount, loggers, progress, cancellationToken));
        var formed = Stopwatch.GetElapsedTime(start);
        output.Json("swarm", w =>
        {
            w.WriteNumber("nodes", count);
            w.WriteNumber("ipfsNodes", ipfsCount);
            if (count > 0)
            {
                w.WriteString("bootstrap", network.BootstrapAddress);
            }

            if (ipfsCount > 0)
            {
                w.WriteString("ipfsBootstrap", network.IpfsBootstrapAddress);
            }

            w.WriteNumber("elapsedMs", Display.Milliseconds(formed));
        });
        output.Line($"[bold]{forming}[/] on 127.0.0.1 formed in {Display.Duration(formed)}");
        if (count > 0)
        {
            output.Line($"  Mainline bootstrap: {Display.Escape(network.BootstrapAddress)}");
        }

        if (ipfsCount > 0)
        {
            output.Line($"  IPFS bootstrap: {Display.Escape(network.IpfsBootstrapAddress)}");
        }

        var steps = new List<SwarmStep>();
        if (count > 0)
        {
            await foreach (var step in new SwarmChecks(network, timeout).RunAsync(cancellationToken))
            {
                Report(output, step, steps);
            }
        }

        if (ipfsCount > 0)
        {
            await foreach (var step in new IpfsSwarmChecks(network, timeout).RunAsync(cancellationToken))
            {
                Report(output, step, steps);
            }
        }

        output.Write(Table(steps, count > 0, ipfsCount > 0));
        int failed = steps.Count(s => !s.Ok);
        output.Line(failed == 0
            ? $"[green]All {Display.Count(steps.Count, "operation")} succeeded.[/]"
            : $"[red]{failed} of {Display.Count(steps.Count, "operation")} failed.[/]");
        if (failed > 0)
        {
            output.Error($"swarm: {failed} of {Display.Count(steps.Count, "operation")} failed");
        }

        if (keep && !cancellationToken.IsCancellationRequested)
        {
            output.Hint("The network keeps running. From another shell:", string.Join(Environment.NewLine + "  ", KeepHints(network, count > 0, ipfsCount > 0)));
            output.Line("[grey]Press Ctrl+C to stop it.[/]");
            try
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
            catch (OperationCanceledException)
            {
            }
        }

        return failed == 0 ? ExitCodes.Success : ExitCodes.Failed;
    }

    private static IEnumerable<string> Sizes(int count, int ipfsCount)
    {
        if (count > 0)
        {
            yield return $"{Display.Count(count, "Mainline node")}";
        }

        if (ipfsCount > 0)
        {
            yield return $"{Display.Count(ipfsCount, "IPFS node")}";
        }
    }

    private static void Report(CliOutput output, SwarmStep step, List<SwarmStep> steps)
    {
        steps.Add(step);
        output.Json("operation", w =>
        {
            w.WriteString("network", step.Network);
            w.WriteString("operation", step.Operation);
            w.WriteBoolean("ok", step.Ok);
            w.WriteString("detail", step.Detail);
            w.WriteNumber("elapsedMs", Math.Round(step.Elapsed.TotalMilliseconds, 2));
        });
    }

    /// <summary>One row per operation, and a result and a time column per network ("—" where the network has no such operation).</summary>
    private static Table Table(List<SwarmStep> steps, bool mainline, bool ipfs)
    {
        string[] networks = [.. new[] { (mainline, Networks.MainlineName, "Mainline"), (ipfs, Networks.IpfsName, "IPFS") }.Where(n => n.Item1).Select(n => n.Item2)];
        string[] columns = ["Operation", .. networks.SelectMany(n => new[] { n == Networks.MainlineName ? "Mainline" : "IPFS", "Time" })];
        var table = Display.Table(columns);
        foreach (string operation in steps.Select(s => s.Operation).Distinct())
        {
            var cells = new List<IRenderable> { new Markup(Display.Escape(operation)) };
            foreach (string network in networks)
            {
                var step = steps.FirstOrDefault(s => s.Network == network && s.Operation == operation);
                cells.Add(step is null
                    ? new Markup($"[grey]{NotApplicable}[/]")
                    : new Markup(step.Ok ? Display.Escape(step.Detail) : $"[red]FAILED: {Display.Escape(step.Detail)}[/]"));
                cells.Add(new Markup(step is null ? string.Empty : Display.Duration(step.Elapsed)));
            }

            table.AddRow(cells);
        }

        return table;
    }

    private static IEnumerable<string> KeepHints(LocalNetwork network, bool mainline, bool ipfs)
    {
        if (mainline)
        {
            yield return Hints.Command(["query", NodeId.Random().ToString(), .. Hints.Bootstrap([network.BootstrapAddress])]);
        }

        if (ipfs)
        {
            yield return Hints.Command(["query", "--network", Networks.IpfsName, Ed25519PrivateKey.Generate().PeerId.ToString(), .. Hints.Bootstrap([network.IpfsBootstrapAddress])]);
        }
    }
}
