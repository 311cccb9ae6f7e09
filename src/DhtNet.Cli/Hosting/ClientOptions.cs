using System.CommandLine;
using System.Net;
using DhtNet.Cli.Input;
using Microsoft.Extensions.Logging;

namespace DhtNet.Cli.Hosting;

/// <summary>What a one-shot command's node runs with.</summary>
internal sealed record ClientSettings(IReadOnlyList<string> Bootstrap, int Port, TimeSpan Timeout, bool Json, LogLevel LogLevel, string? Api = null, bool Verbose = false)
{
    /// <summary>The DHT the command asks (--network): Mainline, or IPFS for the commands that take it.</summary>
    public DhtNetworks Network { get; init; } = DhtNetworks.Mainline;

    /// <summary>With --network ipfs, the multiaddrs to bootstrap from (/dnsaddr/ ones resolved at start).</summary>
    public IReadOnlyList<Multiaddr> IpfsBootstrap { get; init; } = [];

    /// <summary>The DNS server for /dnsaddr/ (--dns-server); null for the system's.</summary>
    public IPEndPoint? DnsServer { get; init; }

    /// <summary>The bootstrap list as given, for messages and hints.</summary>
    public IReadOnlyList<string> BootstrapText => Network == DhtNetworks.Ipfs ? [.. IpfsBootstrap.Select(a => a.ToString())] : Bootstrap;
}

/// <summary>The options of every one-shot command: --bootstrap, --port, --timeout, --json, --log-level, --verbose.</summary>
internal sealed class ClientOptions
{
    private readonly bool _bootstrapByDefault;

    /// <param name="bootstrapByDefault">False for commands that talk to one given node (ping, sample): they bootstrap only when --bootstrap is given.</param>
    /// <param name="bindPort">False when the command gives --port another meaning (provide: the port to announce); its node binds a free port.</param>
    /// <param name="ipfs">True for the commands that also run on the IPFS DHT (--network ipfs, --dns-server).</param>
    public ClientOptions(bool bootstrapByDefault = true, bool bindPort = true, bool ipfs = false)
    {
        _bootstrapByDefault = bootstrapByDefault;
        Bootstrap = SharedOptions.Bootstrap(bootstrapByDefault ? (ipfs ? "the public Mainline routers, or with --network ipfs the Amino peers" : "the public routers") : "none");
        Port = bindPort ? SharedOptions.Port(0, ipfs ? "Port of the temporary node: UDP for Mainline, TCP for IPFS (0 picks a free one)" : "UDP port of the temporary node (0 picks a free one)") : null;
        Network = ipfs ? Networks.Option(allowBoth: false) : null;
        DnsServer = ipfs ? SharedOptions.DnsServer() : null;
    }

    /// <summary>--network mainline|ipfs, for the commands that run on both DHTs.</summary>
    public Option<string>? Network { get; }

    public Option<string>? DnsServer { get; }

    public Option<string[]> Bootstrap { get; }

    public Option<int>? Port { get; }

    public Option<double> Timeout { get; } = SharedOptions.Timeout();

    public Option<bool> Json { get; } = SharedOptions.Json();

    /// <summary>--api URL: run through a running `dht node --api` instead of a temporary node (commands that support it add it).</summary>
    public Option<string> Api { get; } = new("--api") { Description = "Run through the HTTP API of a running `dht node` (e.g. http://127.0.0.1:5001) instead of a temporary node; token from DHT_API_TOKEN", HelpName = "url" };

    public Option<LogLevel> LogLevel { get; } = SharedOptions.LogLevel(Microsoft.Extensions.Logging.LogLevel.Warning);

    /// <summary>--verbose: a trace of every request the node sends and what came back (see <see cref="Output.LookupTrace"/>).</summary>
    public Option<bool> Verbose { get; } = new("--verbose")
    {
        Description = "Print each request as it is sent and each answer as it comes (who was asked, what came back, how long it took): on standard error, or as {\"type\":\"trace\"} lines with --json",
    };

    public void AddTo(Command command)
    {
        if (Network is not null)
        {
            command.Options.Add(Network);
        }

        command.Options.Add(Bootstrap);
        if (DnsServer is not null)
        {
            command.Options.Add(DnsServer);
        }

        if (Port is not null)
        {
            command.Options.Add(Port);
        }

        command.Options.Add(Timeout);
        command.Options.Add(Json);
        command.Options.Add(LogLevel);
        command.Options.Add(Verbose);
    }

    /// <summary>The network --network chose (Mainline for commands without the option); read before the arguments, whose form depends on it.</summary>
    public DhtNetworks ReadNetwork(ParseResult parse) => Network is null ? DhtNetworks.Mainline : Networks.Parse(parse.GetValue(Network));

    /// <summary>Reads and checks the values; bad ones throw <see cref="CliException"/> (exit 1).</summary>
    public ClientSettings Read(ParseResult parse)
    {
        var network = ReadNetwork(parse);
        var bootstrap = Inputs.Bootstrap(
            "--bootstrap",
            parse.GetValue(Bootstrap),
            network,
            _bootstrapByDefault ? DhtOptions.PublicBootstrapNodes : [],
            _bootstrapByDefault ? AminoBootstrap.Peers : []);
        return new(
            bootstrap.Mainline,
            Port is null ? 0 : Inputs.BindPort("--port", parse.GetValue(Port)),
            Inputs.Seconds("--timeout", parse.GetValue(Timeout)),
            parse.GetValue(Json),
            parse.GetValue(LogLevel),
            parse.GetValue(Api),
            parse.GetValue(Verbose))
        {
            Network = network,
            IpfsBootstrap = bootstrap.Ipfs,
            DnsServer = DnsServer is null ? null : Inputs.DnsServer("--dns-server", parse.GetValue(DnsServer)),
        };
    }
}
