using System.CommandLine;
using System.Net;
using System.Net.Sockets;
using System.Text;
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

    // How long an IPFS node whose bootstrap reached no peer waits before it tries (and resolves) again.
    private static readonly TimeSpan IpfsRetryInterval = TimeSpan.FromSeconds(30);

    private sealed record Settings(
        DhtNetworks Networks,
        int Port,
        int IpfsPort,
        IReadOnlyList<IPAddress>? Bind,
        BootstrapLists Bootstrap,
        NodeId? Id,
        string? DataDirectory,
        bool ReadOnly,
        bool Json,
        LogLevel LogLevel,
        ApiSettings? Api)
    {
        /// <summary>Infohashes to keep announcing (--provide).</summary>
        public IReadOnlyList<NodeId> Provide { get; init; } = [];

        /// <summary>CIDs to keep providing on the IPFS DHT (--provide).</summary>
        public IReadOnlyList<Cid> ProvideCids { get; init; } = [];

        /// <summary>Immutable BEP 44 values (bencoded) to keep putting (--keep-put).</summary>
        public IReadOnlyList<byte[]> KeepPut { get; init; } = [];

        /// <summary>The value to publish under the node's IPNS name and keep alive (--publish).</summary>
        public string? Publish { get; init; }

        /// <summary>The DNS server that resolves /dnsaddr/ bootstrap addresses (--dns-server); null for the system's.</summary>
        public IPEndPoint? DnsServer { get; init; }

        /// <summary>How often the state in --data-dir is written (--flush-interval).</summary>
        public TimeSpan FlushInterval { get; init; } = TimeSpan.FromSeconds(5);
    }

    public static Command Create(CliConsole console)
    {
        var network = Networks.Option(allowBoth: true);
        var port = SharedOptions.Port(6881, "UDP port of the Mainline DHT (0 picks a free one)");
        var ipfsPort = new Option<int>("--ipfs-port") { Description = "TCP port of the IPFS DHT (libp2p; 0 picks a free one)", DefaultValueFactory = _ => 4001 };
        var bind = new Option<string[]>("--bind") { Description = "Addresses to bind, at most one IPv4 and one IPv6 (default: all IPv4 and IPv6 interfaces)", HelpName = "address,..." };
        var bootstrap = SharedOptions.Bootstrap("the public Mainline routers and the IPFS Amino peers");
        var dnsServer = SharedOptions.DnsServer();
        var id = new Option<string>("--id") { Description = "Node id, 40 hex digits (default: random, then BEP 42 from our external address)", HelpName = "hex" };
        var dataDirectory = new Option<string>("--data-dir") { Description = "Directory to keep the node's state in between runs (id, key, table, stored peers and items, what it provides)", HelpName = "dir" };
        var readOnly = new Option<bool>("--read-only") { Description = "Answer no queries (BEP 43; an IPFS DHT client)" };
        var logLevel = SharedOptions.LogLevel(LogLevel.Information);
        var json = SharedOptions.Json();
        var api = new Option<string>("--api")
        {
            Description = $"Serve the HTTP API and dashboard on this address (port 0 picks a free one), or none",
            HelpName = "host:port|none",
            DefaultValueFactory = _ => ApiSettings.DefaultAddress,
        };
        var apiToken = new Option<string>("--api-token") { Description = "Bearer token every API request must carry (required when --api is not loopback)", HelpName = "token" };
        var command = new Command("node", "Run a DHT node until Ctrl+C or SIGTERM") { network, port, ipfsPort, bind, bootstrap, dnsServer, id, dataDirectory, readOnly, logLevel, json, api, apiToken };

        // Keeping state and providing: their own block, so other option blocks merge beside it.
        var provide = new Option<string[]>("--provide") { Description = "Infohashes to announce and keep announcing every 15 minutes (kept in --data-dir across restarts); CIDs to provide on the IPFS DHT (re-announced every 22 hours)", HelpName = "infohash|cid", AllowMultipleArgumentsPerToken = true };
        var flushInterval = new Option<double>("--flush-interval") { Description = "Seconds between writes of the state in --data-dir; a crash loses at most this much", HelpName = "seconds", DefaultValueFactory = _ => 5 };
        var keepPut = new Option<string[]>("--keep-put") { Description = "Values to store as immutable BEP 44 items and put again every hour, as `dht put <value>` stores them (kept in --data-dir across restarts)", HelpName = "value", AllowMultipleArgumentsPerToken = true };
        var publish = new Option<string>("--publish") { Description = "IPNS: publish this path (for example /ipfs/<cid>) under the node's peer id and keep it alive (valid 48 hours, signed and put again every 4 hours; kept in --data-dir across restarts)", HelpName = "path" };
        command.Options.Add(provide);
        command.Options.Add(keepPut);
        command.Options.Add(publish);
        command.Options.Add(flushInterval);
        command.SetAction((parse, cancellationToken) =>
        {
            var networks = Networks.Parse(parse.GetValue(network));
            var (infoHashes, cids) = ProvideInputs(networks, parse.GetValue(provide) ?? []);
            string[] keptValues = parse.GetValue(keepPut) ?? [];
            string? published = parse.GetValue(publish);
            if (keptValues.Length > 0 && !networks.Has(DhtNetworks.Mainline))
            {
                throw CliException.BadInput($"--keep-put stores BEP 44 items, on the Mainline DHT; this node runs --network {Networks.IpfsName}");
            }

            if (published is not null && !networks.Has(DhtNetworks.Ipfs))
            {
                throw CliException.BadInput($"--publish is IPNS: it needs --network {Networks.IpfsName} or {Networks.BothName}");
            }

            return RunAsync(
                console,
                new Settings(
                    networks,
                    Inputs.BindPort("--port", parse.GetValue(port)),
                    Inputs.BindPort("--ipfs-port", parse.GetValue(ipfsPort)),
                    Inputs.BindAddresses("--bind", parse.GetValue(bind)),
                    Inputs.Bootstrap("--bootstrap", parse.GetValue(bootstrap), networks, DhtOptions.PublicBootstrapNodes, AminoBootstrap.Peers),
                    parse.GetValue(id) is { } hex ? Inputs.Hex20("--id", hex) : null,
                    parse.GetValue(dataDirectory),
                    parse.GetValue(readOnly),
                    parse.GetValue(json),
                    parse.GetValue(logLevel),
                    ApiSettings.Parse("--api", parse.GetValue(api) ?? ApiSettings.DefaultAddress, "--api-token", parse.GetValue(apiToken)))
                {
                    Provide = infoHashes,
                    ProvideCids = cids,
                    KeepPut = [.. keptValues.Select(v => ItemValue.Read(v, null, bencoded: false))],
                    Publish = published,
                    DnsServer = Inputs.DnsServer("--dns-server", parse.GetValue(dnsServer)),
                    FlushInterval = Inputs.Seconds("--flush-interval", parse.GetValue(flushInterval)),
                },
                cancellationToken);
        });
        return command;
    }

    /// <summary>--provide entries: 40 hex digits are infohashes (Mainline), anything else must be a CID (IPFS).</summary>
    private static (IReadOnlyList<NodeId> InfoHashes, IReadOnlyList<Cid> Cids) ProvideInputs(DhtNetworks networks, string[] entries)
    {
        var infoHashes = new List<NodeId>();
        var cids = new List<Cid>();
        foreach (string entry in entries)
        {
            if (NodeId.TryParse(entry.Trim(), out var infoHash))
            {
                infoHashes.Add(networks.Has(DhtNetworks.Mainline)
                    ? infoHash
                    : throw CliException.BadInput($"--provide: '{entry}' is an infohash, for the Mainline DHT; this node runs --network {Networks.IpfsName}"));
            }
            else
            {
                cids.Add(networks.Has(DhtNetworks.Ipfs)
                    ? Inputs.Cid("--provide", entry)
                    : throw CliException.BadInput($"--provide: '{entry}' is not an infohash (40 hex digits); CIDs need --network {Networks.IpfsName} or {Networks.BothName}"));
            }
        }

        return (infoHashes, cids);
    }

    private static async Task<int> RunAsync(CliConsole console, Settings settings, CancellationToken stop)
    {
        var output = new CliOutput(console, settings.Json);
        string? directory = settings.DataDirectory is { } given ? PrepareDirectory(given) : null;
        using var loggers = CliLogging.Create(settings.LogLevel);
        var logger = loggers.CreateLogger("dht");
        await using var store = directory is null ? null : StateDirectory.Open(directory, settings.FlushInterval, loggers);

        // The sockets are bound before the nodes start, so the listening line comes before any event.
        // The API's dashboard and metrics read the node's traces and meters (its own meter factory).
        using var activity = settings.Api is null ? null : new NodeActivity(TimeProvider.System);
        UdpTransport? transport = null;
        DhtNode? node = null;
        RoutingTableFile? oldTable = null;
        IpfsPeer? ipfs = null;
        try
        {
            if (settings.Networks.Has(DhtNetworks.Mainline))
            {
                transport = Bind(settings, loggers);
                node = new DhtNode(transport, new DhtOptions
                {
                    MeterFactory = activity?.Meters,
                    Port = settings.Port,
                    BootstrapNodes = settings.Bootstrap.Mainline,
                    NodeId = settings.Id,
                    ReadOnly = settings.ReadOnly,
                    LoggerFactory = loggers,
                    StateStore = store,
                });
                oldTable = directory is null ? null : StateDirectory.ImportOldTable(node, directory, logger);
                await StateDirectory.RestoreAsync(node, stop);
                foreach (var infoHash in settings.Provide)
                {
                    node.StartProviding(infoHash);
                }

                foreach (byte[] value in settings.KeepPut)
                {
                    node.StartPutting(value);
                }
            }

            if (settings.Networks.Has(DhtNetworks.Ipfs))
            {
                var key = await StateDirectory.LoadOrCreateIpfsKeyAsync(store, stop);
                ipfs = await StartIpfsAsync(settings, key, store, loggers, activity, stop);
            }

            PrintListening(output, node, transport, ipfs);
            Subscribe(output, node);
            Subscribe(output, ipfs);
            return await ServeAsync(output, settings, node, ipfs, activity, loggers, logger, stop);
        }
        finally
        {
            Log.ShuttingDown(logger);
            if (ipfs is not null)
            {
                await ipfs.DisposeAsync();
            }

            if (node is not null)
            {
                await node.DisposeAsync();
                StateDirectory.RetireOldTable(oldTable, logger);
            }
            else if (transport is not null)
            {
                await transport.DisposeAsync();
            }
        }
    }

    /// <summary>Starts the nodes' work and the API, and runs until <paramref name="stop"/>.</summary>
    private static async Task<int> ServeAsync(
        CliOutput output, Settings settings, DhtNode? node, IpfsPeer? ipfs, NodeActivity? activity, ILoggerFactory loggers, ILogger logger, CancellationToken stop)
    {
        using var apiNode = activity is null ? null : CreateApiNode(node, ipfs, activity);
        ApiServer? server = null;

        // The IPFS join ends with the node: at stop, or when starting the rest failed.
        using var joinStop = CancellationTokenSource.CreateLinkedTokenSource(stop);
        var joining = ipfs is null ? Task.CompletedTask : JoinIpfsAsync(ipfs, settings, logger, joinStop.Token);
        try
        {
            // The node binds and answers before its bootstrap is over, so the API can serve from then on.
            var starting = node?.StartAsync(stop) ?? Task.CompletedTask;
            if (settings.Api is { } api && apiNode is not null)
            {
                try
                {
                    server = await StartApiAsync(api, apiNode, loggers, stop);
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
            await KeepRunningAsync(node, ipfs, logger, stop);
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

            await joinStop.CancelAsync();
            await joining;
        }

        output.Line("[grey]Stopped.[/]");
        return ExitCodes.Success;
    }

    /// <summary>
    /// What the HTTP API serves: the running nodes (Mainline, IPFS, or both; null when not run). The one
    /// place the API gets them.
    /// </summary>
    private static ApiNode CreateApiNode(DhtNode? mainline, IpfsPeer? ipfs, NodeActivity activity) =>
        new(mainline, activity, ipfs is null ? null : new IpfsNetwork(ipfs.Node, ipfs.Host, ipfs.Identity, ipfs.Observer));

    private static async Task<IpfsPeer> StartIpfsAsync(Settings settings, PrivateKey key, IDhtStateStore? store, ILoggerFactory loggers, NodeActivity? activity, CancellationToken stop)
    {
        try
        {
            return await IpfsPeer.StartAsync(key, IpfsPeer.ListenAddresses(settings.Bind, settings.IpfsPort), loggers, clientMode: settings.ReadOnly, activity: activity, state: store, cancellationToken: stop);
        }
        catch (DhtStateException e)
        {
            throw CliException.BadInput($"--data-dir: {e.Message}");
        }
        catch (SocketException e)
        {
            throw CliException.BadInput($"--ipfs-port {settings.IpfsPort}: cannot listen on the TCP port ({e.Message})");
        }
    }

    /// <summary>
    /// Joins the IPFS DHT in the background (resolving /dnsaddr/ entries first, and through the contacts
    /// --data-dir kept), again every so often while the table is empty, then provides --provide's CIDs
    /// (those the state already keeps on their schedule) and publishes --publish. Ends when <paramref name="stop"/> does.
    /// </summary>
    private static async Task JoinIpfsAsync(IpfsPeer ipfs, Settings settings, ILogger logger, CancellationToken stop)
    {
        try
        {
            if (settings.Bootstrap.Ipfs.Count > 0)
            {
                while (true)
                {
                    var seeds = await IpfsPeer.ResolveSeedsAsync(settings.Bootstrap.Ipfs, settings.DnsServer, logger, stop);
                    await ipfs.BootstrapAsync(seeds, stop);
                    if (ipfs.Node.Table.Count > 0)
                    {
                        break;
                    }

                    await Task.Delay(IpfsRetryInterval, stop);
                }
            }
            else
            {
                // No bootstrap peers: the contacts kept in --data-dir, if any, are the way back in.
                await ipfs.Node.BootstrapAsync(cancellationToken: stop);
            }

            foreach (var cid in settings.ProvideCids)
            {
                if (!ipfs.Node.IsProviding(cid))
                {
                    await ipfs.Node.ProvideAsync(cid, stop);
                }
            }

            if (settings.Publish is { } path)
            {
                await ipfs.Node.PublishAsync(ipfs.Identity, Encoding.UTF8.GetBytes(path), stop);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            // The node keeps serving what reaches it; the log says why it did not join or provide.
            Log.IpfsJoinFailed(logger, e.Message);
        }
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

    /// <summary>One "listening" line for the node, whatever networks it runs: Mainline's id and UDP addresses, IPFS's peer id and multiaddrs.</summary>
    private static void PrintListening(CliOutput output, DhtNode? node, UdpTransport? transport, IpfsPeer? ipfs)
    {
        output.Json("listening", w =>
        {
            if (node is not null && transport is not null)
            {
                w.WriteString("id", node.Id.ToString());
                w.WriteStartArray("addresses");
                foreach (var endPoint in transport.LocalEndPoints)
                {
                    w.WriteStringValue(Display.Address(endPoint));
                }

                w.WriteEndArray();
            }

            if (ipfs is not null)
            {
                Display.WritePeer(w, ipfs.PeerId, ipfs.Host.AdvertisedAddresses);
            }
        });
        if (node is not null && transport is not null)
        {
            output.Line($"Node [bold]{node.Id}[/] listening on [bold]{Display.Escape(string.Join(", ", transport.LocalEndPoints))}[/]");
        }

        if (ipfs is not null)
        {
            output.Line($"IPFS peer [bold]{ipfs.PeerId}[/] listening on [bold]{Display.Escape(string.Join(", ", ipfs.Addrs))}[/]");
        }

        output.Line("[grey]Press Ctrl+C to stop.[/]");
    }

    // In text mode the library's log lines tell the same story; JSON mode gives one object per event.
    private static void Subscribe(CliOutput output, DhtNode? node)
    {
        if (!output.IsJson || node is null)
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

    private static void Subscribe(CliOutput output, IpfsPeer? ipfs)
    {
        if (!output.IsJson || ipfs is null)
        {
            return;
        }

        ipfs.Node.PeerAdded += contact => output.Json("node", w =>
        {
            w.WriteString("network", Networks.IpfsName);
            Display.WritePeer(w, contact.Peer.Id, contact.Peer.Multiaddrs);
        });
    }

    /// <summary>Logs the table sizes now and then (the Mainline node itself bootstraps again while its table is empty).</summary>
    private static async Task KeepRunningAsync(DhtNode? node, IpfsPeer? ipfs, ILogger logger, CancellationToken stop)
    {
        using var timer = new PeriodicTimer(StatusInterval);
        do
        {
            if (node is not null)
            {
                Log.Status(logger, node.RoutingTableSize);
            }

            if (ipfs is not null)
            {
                Log.IpfsStatus(logger, ipfs.Node.Table.Count);
            }
        }
        while (await timer.WaitForNextTickAsync(stop));
    }
}
