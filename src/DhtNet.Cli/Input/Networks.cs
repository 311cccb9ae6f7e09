using System.CommandLine;

namespace DhtNet.Cli.Input;

/// <summary>Which DHT a command runs on: the BitTorrent Mainline DHT, the IPFS (Amino) DHT, or both at once (`dht node`).</summary>
[Flags]
internal enum DhtNetworks
{
    Mainline = 1,
    Ipfs = 2,
    Both = Mainline | Ipfs,
}

/// <summary>The --network option and its values.</summary>
internal static class Networks
{
    public const string MainlineName = "mainline";
    public const string IpfsName = "ipfs";
    public const string BothName = "both";

    /// <summary>--network for `dht node` (default both) or a one-shot command (mainline or ipfs, default mainline).</summary>
    public static Option<string> Option(bool allowBoth)
    {
        var option = new Option<string>("--network")
        {
            Description = allowBoth
                ? "The DHTs to serve: mainline (UDP), ipfs (TCP, libp2p) or both"
                : "The DHT to ask: mainline (BitTorrent) or ipfs (IPFS Amino DHT)",
            HelpName = allowBoth ? "mainline|ipfs|both" : "mainline|ipfs",
            DefaultValueFactory = _ => allowBoth ? BothName : MainlineName,
        };
        option.AcceptOnlyFromAmong(allowBoth ? [MainlineName, IpfsName, BothName] : [MainlineName, IpfsName]);
        return option;
    }

    public static DhtNetworks Parse(string? value) => value switch
    {
        IpfsName => DhtNetworks.Ipfs,
        BothName => DhtNetworks.Both,
        _ => DhtNetworks.Mainline,
    };

    public static bool Has(this DhtNetworks networks, DhtNetworks network) => (networks & network) == network;
}
