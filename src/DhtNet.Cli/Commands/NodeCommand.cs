using System.CommandLine;
using System.Net;
using System.Net.Sockets;
using DhtNet.Cli.Api;
using DhtNet.Cli.Hosting;
using DhtNet.Cli.Input;
using DhtNet.Cli.Output;
using Microsoft.Extensions.Logging;

namespace DhtNet.Cli.Commands;

/// <summary>`dht node`: runs a DHT node until Ctrl+C or SIGTERM, then leaves cleanly.</summary>
internal static class NodeCommand
{
    private static readonly TimeSpan StatusInterval = TimeSpan.FromSeconds(30);

    private sealed record Settings(
        int Port,
        IReadOnlyList<IPAddress>? Bind,
        IReadOnlyList<string> Bootstrap,
        NodeId? Id,
        string? DataDirectory,
        bool ReadOnly,
        bool Json,
        LogLevel LogLevel,
        ApiSettings? Api)
    {
        /// <summary>Infohashes to keep announcing (--provide).</summary>
        public IReadOnlyList<NodeId> Provide { get; init; } = [];

        /// <summary>How often the state in --data-dir is written (--flush-interval).</summary>
        public TimeSpan FlushInterval { get; init; } = TimeSpan.FromSeconds(5);
    }

    public static Command Create(CliConsole console)
    {
        var port = SharedOptions.Port(6881, "UDP port to listen on (0 picks a free one)");
        var bind = new Option<string[]>("--bind") { Description = "Addresses to bind, at most one IPv4 and one IPv6 (default: all IPv4 and IPv6 interfaces)", HelpName = "address,..." };
        var bootstrap = SharedOptions.Bootstrap("the public routers");
        var id = new Option<string>("--id") { Description = "Node id, 40 hex digits (default: random, then BEP 42 from our external address)", HelpName = "hex" };
        var dataDirectory = new Option<string>("--data-dir") { Description = "Directory to keep the node's state in between runs (id, key, table, stored peers and items, what it provides)", HelpName = "dir" };
        var readOnly = new Option<bool>("--read-only") { Description = "Answer no queries (BEP 43)" };
        var logLevel = SharedOptions.LogLevel(LogLevel.Information);
        var json = SharedOptions.Json();
        var api = new Option<string>("--api")
        {
            Description = $"Serve the HTTP API and dashboard on this address (port 0 picks a free one), or none",
            HelpName = "host:port|none",
            DefaultValueFactory = _ => ApiSettings.DefaultAddress,
        };
        var apiToken = new Option<string>("--api-token") { Description = "Bearer token every API request must carry (required when --api is not loopback)", HelpName = "token" };
        var command = new Command("node", "Run a DHT node until Ctrl+C or SIGTERM") { port, bind, bootstrap, id, dataDirectory, readOnly, logLevel, json, api, apiToken };

        // Keeping state and providing: their own block, so other option blocks merge beside it.
        var provide = new Option<string[]>("--provide") { Description = "Infohashes to announce and keep announcing every 15 minutes (kept in --data-dir across restarts)", HelpName = "infohash", AllowMultipleArgumentsPerToken = true };
        var flushInterval = new Option<double>("--flush-interval") { Description = "Seconds between writes of the state in --data-dir; a crash loses at most this much", HelpName = "seconds", DefaultValueFactory = _ => 5 };
        command.Options.Add(provide);
        command.Options.Add(flushInterval);
        command.SetAction((parse, cancellationToken) => RunAsync(
            console,
            new Settings(
                Inputs.BindPort("--port", parse.GetValue(port)),
                Inputs.BindAddresses("--bind", parse.GetValue(bind)),
                Inputs.Bootstrap("--bootstrap", parse.GetValue(bootstrap), DhtOptions.PublicBootstrapNodes),
                parse.GetValue(id) is { } hex ? Inputs.Hex20("--id", hex) : null,
                parse.GetValue(dataDirectory),
                parse.GetValue(readOnly),
                parse.GetValue(json),
                parse.GetValue(logLevel),
                ApiSettings.Parse("--api", parse.GetValue(api) ?? ApiSettings.DefaultAddress, "--api-token", parse.GetValue(apiToken)))
            {
                Provide = [.. (parse.GetValue(provide) ?? []).Select(h => Inputs.Hex20("--provide", h))],
                FlushInterval = Inputs.Seconds("--flush-interval", parse.GetValue(flushInterval)),
            },
            cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(CliConsole console, Settings settings, CancellationToken stop)
    {
        var output = new CliOutput(console, settings.Json);
        string? directory = settings.DataDirectory is { } given ? PrepareDirectory(given) : null;
        using var loggers = CliLogging.Create(settings.LogLevel);
        var logger = loggers.CreateLogger("dht");
        await using var store = directory is null ? null : StateDirectory.Open(directory, settings.FlushInterval, loggers);

        // The sockets are bound before the node starts, so the listening line comes before any event.
        // The API's dashboard and metrics read the node's traces and meters (its own meter factory).
        using var activity = settings.Api is null ? null : new NodeActivity(TimeProvider.System);
        var transport = Bind(settings, loggers);
        await using var node = new DhtNode(transport, new DhtOptions
        {
            MeterFactory = activity?.Meters,
            Port = settings.Port,
            BootstrapNodes = settings.Bootstrap,
            NodeId = settings.Id,
            ReadOnly = settings.ReadOnly,
            LoggerFactory = loggers,
            StateStore = store,
        });
        var oldTable = directory is null ? null : StateDirectory.ImportOldTable(node, directory, logger);
        await StateDirectory.RestoreAsync(node, stop);
        foreach (var infoHash in settings.Provide)
        {
            node.StartProviding(infoHash);
        }

        PrintListening(output, node.Id, transport.LocalEndPoints);
        Subscribe(output, node);

        using var apiNode = settings.Api is null ? null : new ApiNode(node, activity!);
        ApiServer? server = null;
        try
        {
            // The node binds and answers before its bootstrap is over, so the API can serve from then on.
            var starting = node.StartAsync(stop);
            if (settings.Api is { } api)
            {
                try
                {
                    server = await StartApiAsync(api, apiNode!, loggers, stop);
                }
                catch
                {
                    // The node is left to its disposal; its start must not fault unobserved.
                    _ = starting.ContinueWith(static t => t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
                    throw;
                }

                PrintApi(output, server.Url);
            }

            await starting;
            await KeepRunningAsync(node, logger, stop);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
        finally
        {
            if (server is not null)
            {
                await server.DisposeAsync();
            }
        }

        Log.ShuttingDown(logger);
        await node.DisposeAsync();
        StateDirectory.RetireOldTable(oldTable, logger);

        output.Line("[grey]Stopped.[/]");
        return ExitCodes.Success;
    }

    private static string PrepareDirectory(string directory)
    {
        try
        {
            return Directory.CreateDirectory(directory).FullName;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            throw CliException.BadInput($"--data-dir: cannot use '{directory}' ({e.Message})");
        }
    }

    private static UdpTransport Bind(Settings settings, ILoggerFactory loggers)
    {
        try
        {
            var logger = loggers.CreateLogger<UdpTransport>();
            return settings.Bind is { } addresses
                ? new UdpTransport([.. addresses.Select(a => new IPEndPoint(a, settings.Port))], logger)
                : new UdpTransport(new UdpTransportOptions { Port = settings.Port }, logger);
        }
        catch (SocketException e)
        {
            throw CliException.BadInput($"--port {settings.Port}: cannot bind the UDP port ({e.Message})");
        }
    }

    private static async Task<ApiServer> StartApiAsync(ApiSettings api, ApiNode node, ILoggerFactory loggers, CancellationToken stop)
    {
        try
        {
            return await ApiServer.StartAsync(api, node, loggers, stop);
        }
        catch (IOException e)
        {
            throw CliException.BadInput($"--api {api.EndPoint}: cannot listen there ({e.Message})");
        }
    }

    private static void PrintApi(CliOutput output, string url)
    {
        output.Json("api", w => w.WriteString("url", url));
        output.Line($"HTTP API and dashboard on [bold]{Display.Escape(url)}[/]");
    }

    private static void PrintListening(CliOutput output, NodeId id, IReadOnlyList<IPEndPoint> endPoints)
    {
        output.Json("listening", w =>
        {
            w.WriteString("id", id.ToString());
            w.WriteStartArray("addresses");
            foreach (var endPoint in endPoints)
            {
                w.WriteStringValue(Display.Address(endPoint));
            }

            w.WriteEndArray();
        });
        output.Line($"Node [bold]{id}[/] listening on [bold]{Display.Escape(string.Join(", ", endPoints))}[/]");
        output.Line("[grey]Press Ctrl+C to stop.[/]");
    }

    // In text mode the library's log lines tell the same story; JSON mode gives one object per event.
    private static void Subscribe(CliOutput output, DhtNode node)
    {
        if (!output.IsJson)
        {
            return;
        }

        node.NodeAdded += (_, e) => output.Json("node", w => Display.WriteNode(w, e.Node));
        node.AnnounceReceived += (_, e) => output.Json("announce", w =>
        {
            w.WriteString("infohash", e.InfoHash.ToString());
            w.WriteString("address", Display.Address(e.Peer));
            w.WriteBoolean("seed", e.Seed);
        });
        node.Warning += (_, e) => output.Json("warning", w => w.WriteString("message", e.ToString()));
    }

    /// <summary>Logs the table size now and then (the node itself bootstraps again while its table is empty).</summary>
    private static async Task KeepRunningAsync(DhtNode node, ILogger logger, CancellationToken stop)
    {
        Log.Status(logger, node.RoutingTableSize);
        using var timer = new PeriodicTimer(StatusInterval);
        while (await timer.WaitForNextTickAsync(stop))
        {
            Log.Status(logger, node.RoutingTableSize);
        }
    }
}
