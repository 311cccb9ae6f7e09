using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;

namespace DhtNet.Benchmarks;

/// <summary>
/// DhtNet's libp2p stack beside js-libp2p 3.3.11 on this machine, each talking to itself over
/// 127.0.0.1: connection setups per second (TCP, multistream-select, Noise XX, yamux; one after
/// another, the close not timed) and the throughput of one yamux stream into a sink (64 KiB writes).
/// Each side runs <c>--rounds</c> times; the table shows medians and the DhtNet/js ratio.
/// The js side is tests/DhtNet.Interop.Tests/peers/libp2p-bench.mjs (installed by scripts/install-peers.sh).
/// Run: <c>dotnet run -c Release --project bench/DhtNet.Benchmarks -- libp2p [--setups 200] [--megabytes 256] [--rounds 3]</c>.
/// </summary>
internal static class Libp2pComparison
{
    private const string Sink = "/dhtnet/bench/sink/1.0.0";

    public static void Run(string[] args) => RunAsync(args).GetAwaiter().GetResult();

    private static async Task RunAsync(string[] args)
    {
        int setups = BenchOptions.Int(args, "--setups", 200);
        int megabytes = BenchOptions.Int(args, "--megabytes", 256);
        int rounds = BenchOptions.Int(args, "--rounds", 3);
        string peers = FindPeersDirectory();

        var ours = new List<(double Setups, double Throughput)>();
        var theirs = new List<(double Setups, double Throughput)>();
        for (int round = 0; round < rounds; round++)
        {
            ours.Add(await MeasureDhtNetAsync(setups, megabytes));
            theirs.Add(MeasureJs(peers, setups, megabytes));
            Console.Error.WriteLine($"round {round + 1}: DhtNet {ours[^1].Setups:F0} setups/s, {ours[^1].Throughput:F0} MB/s; js {theirs[^1].Setups:F0} setups/s, {theirs[^1].Throughput:F0} MB/s");
        }

        double ourSetups = Median(ours.Select(o => o.Setups)), jsSetups = Median(theirs.Select(t => t.Setups));
        double ourThroughput = Median(ours.Select(o => o.Throughput)), jsThroughput = Median(theirs.Select(t => t.Throughput));
        Console.WriteLine($"{setups} connection setups and one {megabytes} MiB stream per round, median of {rounds} rounds, both on 127.0.0.1");
        Console.WriteLine("| measure | DhtNet <-> DhtNet | js-libp2p <-> js-libp2p | DhtNet / js |");
        Console.WriteLine("|---|---:|---:|---:|");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| connection setups per second (TCP + Noise XX + yamux) | {ourSetups:F0} | {jsSetups:F0} | {ourSetups / jsSetups:F2} |"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| one stream, MB/s (MiB = 2^20 bytes) | {ourThroughput:F0} | {jsThroughput:F0} | {ourThroughput / jsThroughput:F2} |"));
    }

    private static async Task<(double Setups, double Throughput)> MeasureDhtNetAsync(int setups, int megabytes)
    {
        var options = new LibP2pHostOptions { ListenAddresses = [Multiaddr.Parse("/ip4/127.0.0.1/tcp/0")], MaxConnections = 10_000 };
        await using var server = new LibP2pHost(Ed25519PrivateKey.Generate(), options);
        await using var client = new LibP2pHost(Ed25519PrivateKey.Generate(), options);
        server.SetStreamHandler(Sink, SinkAsync);
        await server.StartAsync();
        var address = server.ListenAddresses[0].WithPeerId(server.PeerId);

        long setupTicks = 0;
        for (int i = 0; i < setups; i++)
        {
            long started = Stopwatch.GetTimestamp();
            await client.ConnectAsync(address);
            setupTicks += Stopwatch.GetTimestamp() - started;
            await client.DisconnectAsync(server.PeerId);
        }

        await client.ConnectAsync(address);
        await using var stream = await client.NewStreamAsync(server.PeerId, [Sink]);
        byte[] chunk = new byte[64 * 1024];
        long total = (long)megabytes * 1024 * 1024;
        long begun = Stopwatch.GetTimestamp();
        for (long sent = 0; sent < total; sent += chunk.Length)
        {
            await stream.WriteAsync(chunk);
        }

        stream.CloseWrite();
        byte[] reply = new byte[8];
        await stream.ReadExactlyAsync(reply);
        double seconds = Stopwatch.GetElapsedTime(begun).TotalSeconds;
        if (BinaryPrimitives.ReadInt64BigEndian(reply) != total)
        {
            throw new InvalidOperationException("The sink did not count every byte.");
        }

        return (setups / (setupTicks / (double)Stopwatch.Frequency), megabytes / seconds);
    }

    private static async Task SinkAsync(LibP2pStream stream, CancellationToken cancellationToken)
    {
        byte[] buffer = new byte[64 * 1024];
        long count = 0;
        int n;
        while ((n = await stream.ReadAsync(buffer, cancellationToken)) > 0)
        {
            count += n;
        }

        byte[] reply = new byte[8];
        BinaryPrimitives.WriteInt64BigEndian(reply, count);
        await stream.WriteAsync(reply, cancellationToken);
        stream.CloseWrite();
    }

    private static (double Setups, double Throughput) MeasureJs(string peers, int setups, int megabytes)
    {
        var info = new ProcessStartInfo("node") { WorkingDirectory = peers, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string argument in new[] { "--import", "./polyfill.mjs", "libp2p-bench.mjs", setups.ToString(CultureInfo.InvariantCulture), megabytes.ToString(CultureInfo.InvariantCulture) })
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException("Could not start node.");
        var errors = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"libp2p-bench.mjs failed ({process.ExitCode}): {errors.Result}");
        }

        var result = JsonNode.Parse(output.Trim().Split('\n')[^1])!;
        return (result["setupsPerSecond"]!.GetValue<double>(), result["megabytesPerSecond"]!.GetValue<double>());
    }

    internal static double Median(IEnumerable<double> values)
    {
        double[] sorted = [.. values.Order()];
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    internal static string FindPeersDirectory()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            string candidate = Path.Combine(directory.FullName, "tests", "DhtNet.Interop.Tests", "peers");
            if (File.Exists(Path.Combine(candidate, "node_modules", "libp2p", "package.json")))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException("No tests/DhtNet.Interop.Tests/peers with node_modules/libp2p: run scripts/install-peers.sh.");
    }
}
