using System.CommandLine;
using System.Diagnostics;
using DhtNet.Cli.Hosting;
using DhtNet.Cli.Input;
using DhtNet.Cli.Output;
using DhtNet.Cli.Swarm;
using Microsoft.Extensions.Logging;
using Spectre.Console;

namespace DhtNet.Cli.Commands;

/// <summary>
/// `dht swarm`: forms a DHT of many nodes on 127.0.0.1 and runs every operation across it, so the
/// whole tool can be tried (and tested) on a machine without internet.
/// </summary>
internal static class SwarmCommand
{
    public static Command Create(CliConsole console)
    {
        var nodes = new Option<int>("--nodes") { Description = "Nodes in the network", DefaultValueFactory = _ => 64 };
        var keep = new Option<bool>("--keep") { Description = "Leave the network running after the checks (until Ctrl+C) to use it from another shell" };
        var timeout = SharedOptions.Timeout();
        timeout.Description = "Give up an operation after this many seconds";
        var json = SharedOptions.Json();
        var logLevel = SharedOptions.LogLevel(LogLevel.Warning);
        var command = new Command("swarm", "Start a DHT of many nodes on 127.0.0.1 and run every operation against it") { nodes, keep, timeout, json, logLevel };
        command.SetAction((parse, cancellationToken) => RunAsync(
            new CliOutput(console, parse.GetValue(json)),
            Inputs.AtLeast("--nodes", parse.GetValue(nodes), 3),
            parse.GetValue(keep),
            Inputs.Seconds("--timeout", parse.GetValue(timeout)),
            parse.GetValue(logLevel),
            cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(CliOutput output, int count, bool keep, TimeSpan timeout, LogLevel logLevel, CancellationToken cancellationToken)
    {
        using var loggers = CliLogging.Create(logLevel);
        long start = Stopwatch.GetTimestamp();
        await using var network = await output.ProgressAsync(
            $"Starting {Display.Count(count, "node")} on 127.0.0.1",
            count,
            progress => LocalNetwork.StartAsync(count, loggers, progress, cancellationToken));
        var formed = Stopwatch.GetElapsedTime(start);
        output.Json("swarm", w =>
        {
            w.WriteNumber("nodes", count);
            w.WriteString("bootstrap", network.BootstrapAddress);
            w.WriteNumber("elapsedMs", Display.Milliseconds(formed));
        });
        output.Line($"[bold]{Display.Count(count, "node")}[/] on 127.0.0.1 formed a network in {Display.Duration(formed)} (bootstrap: {network.BootstrapAddress})");

        var table = Display.Table("Operation", "Result", "Time", "Status");
        int failed = 0;
        await foreach (var step in new SwarmChecks(network, timeout).RunAsync(cancellationToken))
        {
            failed += step.Ok ? 0 : 1;
            output.Json("operation", w =>
            {
                w.WriteString("operation", step.Operation);
                w.WriteBoolean("ok", step.Ok);
                w.WriteString("detail", step.Detail);
                w.WriteNumber("elapsedMs", Math.Round(step.Elapsed.TotalMilliseconds, 2));
            });
            table.AddRow(
                new Markup(Display.Escape(step.Operation)),
                new Markup(step.Ok ? Display.Escape(step.Detail) : $"[red]{Display.Escape(step.Detail)}[/]"),
                new Markup(Display.Duration(step.Elapsed)),
                new Markup(step.Ok ? "[green]ok[/]" : "[red]FAILED[/]"));
        }

        output.Write(table);
        int total = table.Rows.Count;
        output.Line(failed == 0
            ? $"[green]All {Display.Count(total, "operation")} succeeded.[/]"
            : $"[red]{failed} of {Display.Count(total, "operation")} failed.[/]");
        if (failed > 0)
        {
            output.Error($"swarm: {failed} of {Display.Count(total, "operation")} failed");
        }

        if (keep && !cancellationToken.IsCancellationRequested)
        {
            string hint = Hints.Command(["query", NodeId.Random().ToString(), .. Hints.Bootstrap([network.BootstrapAddress])]);
            output.Hint("The network keeps running. From another shell:", hint);
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
}
