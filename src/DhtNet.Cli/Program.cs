using System.CommandLine;

namespace DhtNet.Cli;

internal static class Program
{
    public static int Main(string[] args)
    {
        var root = new RootCommand("dht: a BitTorrent Mainline DHT node and client");
        return root.Parse(args).Invoke();
    }
}
