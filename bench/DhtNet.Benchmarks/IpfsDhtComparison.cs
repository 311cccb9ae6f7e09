using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;

namespace DhtNet.Benchmarks;

/// <summary>
/// DhtNet's IPFS DHT beside js-libp2p 3.3.11 + @libp2p/kad-dht 16.4.5 in one run on one mixed network on
/// 127.0.0.1 (<c>--dhtnet</c> DhtNet nodes in this process, <c>--js</c> js nodes, one Node process each, run by
/// tests/DhtNet.Interop.Tests/peers/libp2p-peer.mjs). Every key is provided by one node (DhtNet and js take turns);
/// then, for <c>--rounds</c> rounds, one DhtNet node and one js node each look up every key: find providers (time to the
/// first provider, and the whole query, which both stop at k = 20 providers or when the lookup ends) and get closest
/// peers (the whole query). js times its queries inside its own process, so the driver's pipe is not counted.
/// The table shows medians over keys and rounds and the DhtNet/js ratio (below 1: DhtNet is faster), and how many
/// answers were right (the provider found; the closest set equal to the true closest of the whole network).
/// Run: <c>dotnet run -c Release --project bench/DhtNet.Benchmarks -- ipfs [--dhtnet 12] [--js 12] [--keys 8] [--rounds 3]</c>.
/// </summary>
internal static class IpfsDhtComparison
{
    private const int K = 20;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    public static void Run(string[] args) => RunAsync(args).GetAwaiter().GetResult();

    private static async Task RunAsync(string[] args)
    {
        int dhtnetCount = BenchOptions.Int(args, "--dhtnet", 12);
        int jsCount = BenchOptions.Int(args, "--js", 12);
        int keyCount = BenchOptions.Int(args, "--keys", 8);
        int rounds = BenchOptions.Int(args, "--rounds", 3);
        string peers = Libp2pComparison.FindPeersDirectory();

        var js = new List<JsDhtNode>();
        var ours = new List<(LibP2pHost Host, IpfsDhtNode Node)>();
        try
        {
            for (int i = 0; i < jsCount; i++)
            {
                js.Add(await JsDhtNode.StartAsync(peers));
            }

            for (int i = 0; i < dhtnetCount; i++)
            {
                var host = new LibP2pHost(Ed25519PrivateKey.Generate(), new LibP2pHostOptions { ListenAddresses = [Multiaddr.Parse("/ip4/127.0.0.1/tcp/0")] });
                var messenger = new LibP2pKadMessenger(host);
                var node = new IpfsDhtNode(messenger, new IpfsDhtNodeOptions { LookupSoftTimeout = TimeSpan.FromSeconds(1) });
                messenger.Serve(node);
                await host.StartAsync();
                ours.Add((host, node));
            }

            await ConnectAsync(js, ours);
            var everyone = js.Select(j => j.PeerId).Concat(ours.Select(o => o.Host.PeerId)).ToArray();
            Console.Error.WriteLine($"network up: {ours.Count} DhtNet + {js.Count} js nodes, DhtNet tables {string.Join(",", ours.Select(o => o.Node.Table.Count))}");

            // Providers: DhtNet and js nodes take turns, and neither querier provides.
            var cids = new Cid[keyCount];
            var providers = new PeerId[keyCount];
            for (int i = 0; i < keyCount; i++)
            {
                // Keys whose k closest leave out both queriers (when the network is larger than k), so that neither
                // holds the provider record itself and the first provider comes from the network.
                do
                {
                    cids[i] = Cid.Hash(BitConverter.GetBytes(Random.Shared.NextInt64()));
                }
                while (everyone.Length > K + 1 && TrueClosest(everyone, cids[i].Multihash.Bytes.Span, null).Intersect([ours[0].Host.PeerId, js[0].PeerId]).Any());
                Console.Error.WriteLine($"providing key {i + 1}");
                if (i % 2 == 0)
                {
                    var (host, node) = ours[1 + (i / 2 % (ours.Count - 1))];
                    using var bounded = new CancellationTokenSource(Patience);
                    await node.ProvideAsync(cids[i], bounded.Token);
                    providers[i] = host.PeerId;
                }
                else
                {
                    var provider = js[1 + (i / 2 % (js.Count - 1))];
                    await provider.QueryAsync("dhtProvide", new JsonObject { ["cid"] = cids[i].ToString() });
                    providers[i] = provider.PeerId;
                }
            }

            Console.Error.WriteLine($"{keyCount} keys provided");
            var ourNode = ours[0].Node;
            var jsNode = js[0];
            var times = new Dictionary<string, (List<double> Ours, List<double> Js)>
            {
                ["findProviders, first provider"] = ([], []),
                ["findProviders, whole query"] = ([], []),
                ["getClosestPeers, whole query"] = ([], []),
            };
            int ourRight = 0, jsRight = 0, ourExact = 0, jsExact = 0, queries = 0;
            for (int round = 0; round < rounds; round++)
            {
                for (int i = 0; i < keyCount; i++)
                {
                    queries++;
                    var multihash = cids[i].Multihash;

                    // DhtNet: the first provider (the stream stops at one), then the whole query (up to k providers).
                    var watch = Stopwatch.StartNew();
                    var first = new List<PeerInfo>();
                    await foreach (var p in ourNode.FindProvidersAsync(cids[i], 1, Patience))
                    {
                        first.Add(p);
                    }

                    times["findProviders, first provider"].Ours.Add(watch.Elapsed.TotalMilliseconds);
                    watch.Restart();
                    var all = new List<PeerInfo>();
                    await foreach (var p in ourNode.FindProvidersAsync(cids[i], K, Patience))
                    {
                        all.Add(p);
                    }

                    times["findProviders, whole query"].Ours.Add(watch.Elapsed.TotalMilliseconds);
                    ourRight += all.Any(p => p.Id == providers[i]) && first.Any(p => p.Id == providers[i]) ? 1 : 0;

                    var found = await jsNode.QueryAsync("dhtFindProviders", new JsonObject { ["cid"] = cids[i].ToString() });
                    if (found["firstProviderMs"]?.GetValue<double>() is { } firstMs)
                    {
                        times["findProviders, first provider"].Js.Add(firstMs);
                    }

                    times["findProviders, whole query"].Js.Add(found["elapsedMs"]!.GetValue<double>());
                    jsRight += found["providers"]!.AsArray().Any(p => p!["peerId"]!.GetValue<string>() == providers[i].ToString()) ? 1 : 0;

                    // Closest peers of the same key bytes (each side hashes them with SHA-256).
                    var key = multihash.Bytes.ToArray();
                    watch.Restart();
                    using var bounded = new CancellationTokenSource(Patience);
                    var closest = await ourNode.QueryAsync(key, bounded.Token);
                    times["getClosestPeers, whole query"].Ours.Add(watch.Elapsed.TotalMilliseconds);
                    ourExact += closest.Select(p => p.Id).SequenceEqual(TrueClosest(everyone, key, ourNode.PeerId)) ? 1 : 0;

                    var theirs = await jsNode.QueryAsync("dhtClosest", new JsonObject { ["key"] = Convert.ToBase64String(key) });
                    times["getClosestPeers, whole query"].Js.Add(theirs["elapsedMs"]!.GetValue<double>());
                    var jsTruth = TrueClosest(everyone, key, jsNode.PeerId).Select(p => p.ToString()).ToHashSet();
                    jsExact += theirs["peers"]!.AsArray().Select(p => p!["peerId"]!.GetValue<string>()).ToHashSet().SetEquals(jsTruth) ? 1 : 0;
                }

                Console.Error.WriteLine($"round {round + 1} of {rounds} done");
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{ours.Count} DhtNet + {js.Count} js-libp2p/kad-dht 16.4.5 nodes on 127.0.0.1, {keyCount} keys x {rounds} rounds, medians in ms"));
            Console.WriteLine("| operation | DhtNet | js kad-dht | DhtNet / js |");
            Console.WriteLine("|---|---:|---:|---:|");
            foreach (var (name, (ourTimes, jsTimes)) in times)
            {
                double ourMedian = Median(ourTimes), jsMedian = Median(jsTimes);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {name} | {ourMedian:F1} | {jsMedian:F1} | {ourMedian / jsMedian:F2} |"));
            }

            Console.WriteLine($"provider found: DhtNet {ourRight}/{queries}, js {jsRight}/{queries}; closest set equal to the truth: DhtNet {ourExact}/{queries}, js {jsExact}/{queries}");
        }
        finally
        {
            foreach (var (host, node) in ours)
            {
                node.Dispose();
                await host.DisposeAsync();
            }

            foreach (var node in js)
            {
                await node.DisposeAsync();
            }
        }
    }

    // js nodes join through the first js node; DhtNet nodes bootstrap through it and are dialled by the second,
    // then everyone waits (bounded) until every table holds most of the network.
    private static async Task ConnectAsync(List<JsDhtNode> js, List<(LibP2pHost Host, IpfsDhtNode Node)> ours)
    {
        var seed = new PeerInfo(js[0].PeerId, [js[0].Address.WithoutPeerId()]);
        for (int i = 1; i < js.Count; i++)
        {
            await js[i].SendAsync("dial", new JsonObject { ["addr"] = js[0].Address.ToString() });
        }

        foreach (var (host, node) in ours)
        {
            using var bounded = new CancellationTokenSource(Patience);
            await node.BootstrapAsync([seed], bounded.Token);
            await js[Math.Min(1, js.Count - 1)].SendAsync("dial", new JsonObject { ["addr"] = host.ListenAddresses[0].WithPeerId(host.PeerId).ToString() });
        }

        int total = js.Count + ours.Count;
        int wanted = Math.Min(K, total - 1);
        var jsSeeds = js.Select(j => new PeerInfo(j.PeerId, [j.Address.WithoutPeerId()])).ToArray();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        while (true)
        {
            bool full = ours.All(o => o.Node.Table.Count >= wanted);
            foreach (var node in js)
            {
                full &= (await node.SendAsync("dhtTable"))["peers"]!.AsArray().Count >= wanted;
            }

            if (full || deadline.IsCancellationRequested)
            {
                return;
            }

            try
            {
                foreach (var (_, node) in ours)
                {
                    await node.BootstrapAsync(jsSeeds, deadline.Token);
                }
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested)
            {
                return; // the tables are as full as they will get in time
            }

            for (int i = 1; i < js.Count; i++)
            {
                // A js node learns peers from its own lookups.
                await js[i].QueryAsync("dhtClosest", new JsonObject { ["key"] = Convert.ToBase64String(js[i].PeerId.Bytes.Span) });
            }

            await Task.Delay(200);
        }
    }

    private static PeerId[] TrueClosest(PeerId[] everyone, ReadOnlySpan<byte> key, PeerId? except)
    {
        var target = Key256.Sha256(key);
        return [.. everyone.Where(p => p != except).OrderBy(p => IpfsContact.KeyOf(p).Xor(target)).Take(K)];
    }

    private static double Median(List<double> values) => values.Count == 0 ? double.NaN : Libp2pComparison.Median(values);

    /// <summary>
    /// One js node run by libp2p-peer.mjs: a JSON command per line in, replies and events per line out. Its output is
    /// read all the time (events dropped), since Node blocks on a full stdout pipe and a blocked node stops answering.
    /// </summary>
    private sealed class JsDhtNode : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly Dictionary<int, TaskCompletionSource<JsonObject>> _pending = [];
        private readonly Task _reading;
        private int _nextId;

        private JsDhtNode(Process process)
        {
            _process = process;
            _reading = Task.Run(ReadAsync);
        }

        public PeerId PeerId { get; private set; }

        /// <summary>Its first listen address, with /p2p/.</summary>
        public Multiaddr Address { get; private set; } = null!;

        public static async Task<JsDhtNode> StartAsync(string peers)
        {
            var info = new ProcessStartInfo("node") { WorkingDirectory = peers, RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (string argument in new[] { "--import", "./polyfill.mjs", "libp2p-peer.mjs" })
            {
                info.ArgumentList.Add(argument);
            }

            var process = Process.Start(info) ?? throw new InvalidOperationException("Could not start node.");
            process.ErrorDataReceived += (_, _) => { };
            process.BeginErrorReadLine();
            var node = new JsDhtNode(process);
            var reply = await node.SendAsync("start", new JsonObject { ["dht"] = true });
            node.PeerId = PeerId.Parse(reply["peerId"]!.GetValue<string>());
            node.Address = Multiaddr.Parse(reply["addrs"]![0]!.GetValue<string>());
            return node;
        }

        /// <summary>A kad-dht query command with the driver's own timeout.</summary>
        public Task<JsonObject> QueryAsync(string command, JsonObject arguments)
        {
            arguments["timeoutMs"] = (int)Patience.TotalMilliseconds;
            return SendAsync(command, arguments);
        }

        public async Task<JsonObject> SendAsync(string command, JsonObject? arguments = null)
        {
            var reply = new TaskCompletionSource<JsonObject>(TaskCreationOptions.RunContinuationsAsynchronously);
            var line = arguments ?? [];
            lock (_pending)
            {
                line["id"] = ++_nextId;
                _pending.Add(_nextId, reply);
            }

            line["cmd"] = command;
            await _process.StandardInput.WriteLineAsync(line.ToJsonString());
            await _process.StandardInput.FlushAsync();
            var answer = await reply.Task.WaitAsync(Patience + TimeSpan.FromSeconds(10));
            return answer["ok"]!.GetValue<bool>() ? answer : throw new InvalidOperationException($"{command} failed: {answer["error"]}");
        }

        public async ValueTask DisposeAsync()
        {
            // The driver stops its node and exits when its stdin closes.
            _process.StandardInput.Close();
            if (!_process.WaitForExit(TimeSpan.FromSeconds(10)))
            {
                _process.Kill(entireProcessTree: true);
            }

            await _reading;
            _process.Dispose();
        }

        private async Task ReadAsync()
        {
            while (await _process.StandardOutput.ReadLineAsync() is { } text)
            {
                if (JsonNode.Parse(text) is JsonObject message && message["id"]?.GetValue<int>() is { } id)
                {
                    TaskCompletionSource<JsonObject>? waiting;
                    lock (_pending)
                    {
                        _pending.Remove(id, out waiting);
                    }

                    waiting?.TrySetResult(message);
                }
            }

            lock (_pending)
            {
                foreach (var waiting in _pending.Values)
                {
                    waiting.TrySetException(new InvalidOperationException("libp2p-peer.mjs exited."));
                }
            }
        }
    }
}
