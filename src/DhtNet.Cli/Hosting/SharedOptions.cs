using System.CommandLine;
using Microsoft.Extensions.Logging;

namespace DhtNet.Cli.Hosting;

/// <summary>The options several commands share, defined once so they read and behave alike.</summary>
internal static class SharedOptions
{
    public static Option<string[]> Bootstrap(string defaultText) => new("--bootstrap")
    {
        Description = $"Nodes to bootstrap from: host:port for Mainline, multiaddrs ending in /p2p/<peer id> for IPFS, comma separated ('none' for none; default {defaultText})",
        HelpName = "host:port|multiaddr,...",
    };

    public static Option<string> DnsServer() => new("--dns-server")
    {
        Description = "DNS server that resolves /dnsaddr/ bootstrap multiaddrs (default: the first nameserver of /etc/resolv.conf)",
        HelpName = "address[:port]",
    };

    /// <summary>The salt of a mutable BEP 44 item (read with <see cref="Input.Inputs.Salt"/>).</summary>
    public static Option<string> Salt() => new("--salt")
    {
        Description = "Salt of the mutable item, as text (at most 64 bytes)",
    };

    public static Option<int> Port(int defaultPort, string description) => new("--port")
    {
        Description = description,
        DefaultValueFactory = _ => defaultPort,
    };

    public static Option<double> Timeout() => new("--timeout")
    {
        Description = "Give up after this many seconds",
        HelpName = "seconds",
        DefaultValueFactory = _ => 30,
    };

    public static Option<bool> Json() => new("--json")
    {
        Description = "Print one JSON object per line on standard output (logs go to standard error)",
    };

    public static Option<LogLevel> LogLevel(LogLevel defaultLevel) => new("--log-level")
    {
        Description = "Least severe log messages shown on standard error (trace, debug, information, warning, error, critical, none)",
        HelpName = "level",
        DefaultValueFactory = _ => defaultLevel,
    };
}
