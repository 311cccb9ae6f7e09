using BenchmarkDotNet.Running;

namespace DhtNet.Benchmarks;

internal static class Program
{
    public static void Main(string[] args)
    {
        // "alpha" is the side-by-side lookup comparison on a simulated network, not a BenchmarkDotNet run.
        if (args.Length > 0 && args[0] == "alpha")
        {
            AlphaComparison.Run(args[1..]);
            return;
        }

        // "libp2p" is the side-by-side against js-libp2p: connection setups per second and stream throughput.
        if (args.Length > 0 && args[0] == "libp2p")
        {
            Libp2pComparison.Run(args[1..]);
            return;
        }

        // "kademlia" is the core against the pre-redesign table: table memory, and old/new timed in alternation.
        if (args.Length > 0 && args[0] == "kademlia")
        {
            KademliaCoreComparison.Run(args[1..]);
            return;
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
    }
}
