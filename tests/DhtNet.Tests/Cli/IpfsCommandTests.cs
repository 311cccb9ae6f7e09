using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using DhtNet.Cli;
using DhtNet.Cli.Output;
using DhtNet.Cli.Swarm;
using DhtNet.Tests.Ipfs.Bootstrap;

namespace DhtNet.Tests.Cli;

/// <summary>
/// The tool on the IPFS DHT: `dht node --network ipfs|both` (as a process and in-process) and the one-shot
/// commands with --network ipfs, against a local network of both kinds on 127.0.0.1.
/// </summary>
public sealed class IpfsCommandTests(IpfsCommandTests.Swarm swarm) : IClassFixture<IpfsCommandTests.Swarm>, IDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    private readonly string _directory = Directory.CreateTempSubdirectory("dht-cli-ipfs-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task NodeIpfs_AsProcess_OneListeningLineFoundByFindpeerAndKeyKeptAcrossRestart()
    {
        string[] args = ["node", "--network", "ipfs", "--api", "none", "--ipfs-port", "0", "--bind", "127.0.0.1", "--bootstrap", swarm.IpfsBootstrap, "--data-dir", _directory, "--json"];
        string peerId;
        List<string> addrs;
        await using (var node = CliProcess.Start(args))
        {
            using (var first = JsonDocument.Parse(await node.ReadLineAsync(Wait)))
            {
                var listening = first.RootElement;
                Assert.Equal("listening", listening.GetProperty("type").GetString());
                Assert.False(listening.TryGetProperty("id", out _), "an IPFS-only node has no Mainline id");
                peerId = listening.GetProperty("peerId").GetString()!;
                Assert.True(PeerId.TryParse(peerId, out _));
                addrs = [.. listening.GetProperty("addrs").EnumerateArray().Select(a => a.GetString()!)];
                Assert.All(addrs, a => Assert.Matches($@"^/ip4/127\.0\.0\.1/tcp/\d+/p2p/{peerId}$", a));
            }

            // The node joined: a peer of the swarm entered its table.
            var added = JsonDocument.Parse(await node.ReadLineAsync(l => l.Contains("\"type\":\"node\"", StringComparison.Ordinal), Wait)).RootElement;
            Assert.Equal("ipfs", added.GetProperty("network").GetString());
            Assert.Contains(swarm.Network.IpfsPeers, p => p.PeerId.ToString() == added.GetProperty("peerId").GetString());

            var found = (await Cli.RunInProcessAsync("findpeer", "--network", "ipfs", peerId, "--bootstrap", swarm.IpfsBootstrap, "--json")).AssertSuccess();
            var peer = Assert.Single(found.Json("peer"));
            Assert.Equal(peerId, peer.GetProperty("peerId").GetString());
            Assert.Equal(addrs, peer.GetProperty("addrs").EnumerateArray().Select(a => a.GetString()));

            await node.TerminateAsync();
            var result = await node.WaitForExitAsync(Wait);
            Assert.True(result.ExitCode == 0, result.ToString());
            Assert.Single(result.Json("listening"));
        }

        // The identity is kept in the data directory, owner-only, and the next run is the same peer.
        string keyFile = Path.Combine(_directory, "keys", "ipfs.identity.key");
        Assert.True(File.Exists(keyFile));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(keyFile));
        }

        await using (var again = CliProcess.Start(args))
        {
            using var first = JsonDocument.Parse(await again.ReadLineAsync(Wait));
            Assert.Equal(peerId, first.RootElement.GetProperty("peerId").GetString());
            await again.TerminateAsync();
            Assert.Equal(0, (await again.WaitForExitAsync(Wait)).ExitCode);
        }
    }

    [Fact]
    public async Task NodeIpfs_NoBind_ListensOnWildcardsAndTellsAddressesEachDialable()
    {
        // Without --bind the IPFS side listens on 0.0.0.0 and ::, and the addresses it prints (and tells peers)
        // are this machine's interface addresses: never a wildcard or a link-local one, loopback last.
        var stdout = new LineCapture();
        using var stop = new CancellationTokenSource();
        var run = DhtCli.RunAsync(
            ["node", "--network", "ipfs", "--api", "none", "--ipfs-port", "0", "--bootstrap", "none", "--json", "--log-level", "none"],
            new CliConsole(stdout, new StringWriter()),
            stop.Token);

        Multiaddr[] addrs;
        using (var first = JsonDocument.Parse(await stdout.ReadLineAsync(Wait)))
        {
            Assert.Equal("listening", first.RootElement.GetProperty("type").GetString());
            addrs = [.. first.RootElement.GetProperty("addrs").EnumerateArray().Select(a => Multiaddr.Parse(a.GetString()!))];
        }

        Assert.Contains(addrs, a => a.ToString().StartsWith("/ip4/127.0.0.1/tcp/", StringComparison.Ordinal));
        Assert.Contains(addrs, a => a.ToString().StartsWith("/ip6/::1/tcp/", StringComparison.Ordinal));
        var endPoints = addrs.Select(a => a.TryGetTcpEndPoint(out var endPoint) ? endPoint : throw new FormatException($"{a} is not TCP")).ToArray();
        Assert.All(endPoints, e => Assert.False(UnspecifiedAddresses.IsUnspecified(e.Address) || e.Address.IsIPv6LinkLocal, $"{e} is advertised"));
        Assert.Equal(endPoints.OrderBy(e => IPAddress.IsLoopback(e.Address)), endPoints);
        Assert.Single(endPoints.Where(e => e.AddressFamily == AddressFamily.InterNetwork).Select(e => e.Port).Distinct());
        Assert.Single(endPoints.Where(e => e.AddressFamily == AddressFamily.InterNetworkV6).Select(e => e.Port).Distinct());
        foreach (var address in addrs)
        {
            await using var dialer = new LibP2pHost(Ed25519PrivateKey.Generate());
            await dialer.StartAsync();
            var connection = await dialer.ConnectAsync(address);
            Assert.Equal(address.WithoutPeerId(), connection.RemoteAddress);
            Assert.True(await dialer.PingAsync(connection.RemotePeer) > TimeSpan.Zero);
        }

        stop.Cancel();
        Assert.Equal(0, await run.WaitAsync(Wait));
    }

    [Fact]
    public async Task NodeBoth_InProcess_OneListeningLineForBothNetworksAndJoinsBoth()
    {
        var stdout = new LineCapture();
        using var stop = new CancellationTokenSource();
        var run = DhtCli.RunAsync(
            ["node", "--api", "none", "--port", "0", "--ipfs-port", "0", "--bind", "127.0.0.1", "--bootstrap", $"{swarm.Network.BootstrapAddress},{swarm.IpfsBootstrap}", "--json", "--log-level", "none"],
            new CliConsole(stdout, new StringWriter()),
            stop.Token);

        using (var first = JsonDocument.Parse(await stdout.ReadLineAsync(Wait)))
        {
            var listening = first.RootElement;
            Assert.Equal("listening", listening.GetProperty("type").GetString());
            Assert.True(NodeId.TryParse(listening.GetProperty("id").GetString(), out _));
            Assert.Matches(@"^127\.0\.0\.1:\d+$", Assert.Single(listening.GetProperty("addresses").EnumerateArray()).GetString());
            string peerId = listening.GetProperty("peerId").GetString()!;
            Assert.Matches($@"^/ip4/127\.0\.0\.1/tcp/\d+/p2p/{peerId}$", Assert.Single(listening.GetProperty("addrs").EnumerateArray()).GetString());
        }

        // Peers of both networks enter the tables: Mainline nodes by id and address, IPFS peers by peer id and addrs.
        bool mainline = false, ipfs = false;
        while (!(mainline && ipfs))
        {
            using var line = JsonDocument.Parse(await stdout.ReadLineAsync(Wait));
            var e = line.RootElement;
            Assert.NotEqual("listening", e.GetProperty("type").GetString());
            if (e.GetProperty("type").GetString() == "node")
            {
                ipfs |= e.TryGetProperty("network", out var network) && network.GetString() == "ipfs" && e.TryGetProperty("addrs", out _);
                mainline |= e.TryGetProperty("id", out _) && e.TryGetProperty("address", out _);
            }
        }

        stop.Cancel();
        Assert.Equal(0, await run.WaitAsync(Wait));
    }

    [Fact]
    public async Task NodeIpfs_WithApi_ApiServesTheIpfsNode()
    {
        var stdout = new LineCapture();
        using var stop = new CancellationTokenSource();
        var run = DhtCli.RunAsync(
            ["node", "--network", "ipfs", "--api", "127.0.0.1:0", "--ipfs-port", "0", "--bind", "127.0.0.1", "--bootstrap", swarm.IpfsBootstrap, "--json", "--log-level", "none"],
            new CliConsole(stdout, new StringWriter()),
            stop.Token);

        string peerId;
        using (var first = JsonDocument.Parse(await stdout.ReadLineAsync(Wait)))
        {
            peerId = first.RootElement.GetProperty("peerId").GetString()!;
        }

        string url;
        while (true)
        {
            using var line = JsonDocument.Parse(await stdout.ReadLineAsync(Wait));
            if (line.RootElement.GetProperty("type").GetString() == "api")
            {
                url = line.RootElement.GetProperty("url").GetString()!;
                break;
            }
        }

        using var http = new HttpClient { BaseAddress = new Uri(url) };
        using var id = JsonDocument.Parse(await (await http.PostAsync("/api/v0/id", null)).EnsureSuccessStatusCode().Content.ReadAsStringAsync());
        var target = swarm.Network.IpfsPeers[3].PeerId.ToString();
        var found = await (await http.PostAsync($"/api/v0/routing/findpeer?arg={target}", null)).EnsureSuccessStatusCode().Content.ReadAsStringAsync();

        // The API answers for the IPFS node the command runs, and its lookups go over the IPFS DHT.
        Assert.Equal(peerId, id.RootElement.GetProperty("ID").GetString());
        Assert.Contains($"\"ID\":\"{target}\"", found, StringComparison.Ordinal);
        stop.Cancel();
        Assert.Equal(0, await run.WaitAsync(Wait));
    }

    [Fact]
    public async Task Query_IpfsJson_PeersCarryPeerIdAndAddrsAndTheClosestIsAmongThem()
    {
        var key = Ed25519PrivateKey.Generate().PeerId;

        var result = (await Cli.RunInProcessAsync("query", "--network", "ipfs", key.ToString(), "--bootstrap", swarm.IpfsBootstrap, "--json")).AssertSuccess();

        var nodes = result.Json("node");
        Assert.NotEmpty(nodes);
        Assert.All(nodes, n => AssertPeer(n));
        var closest = swarm.Network.IpfsPeers.MinBy(p => IpfsContact.KeyOf(p.PeerId).Xor(IpfsContact.KeyOf(key)))!;
        Assert.Contains(nodes, n => n.GetProperty("peerId").GetString() == closest.PeerId.ToString());
        Assert.True(Assert.Single(result.Json("done")).GetProperty("answered").GetInt32() > 0);
    }

    [Fact]
    public async Task Query_IpfsVerboseJson_TracesEachRequestAndItsAnswer()
    {
        var target = swarm.Network.IpfsPeers[5].PeerId.ToString();

        var result = (await Cli.RunInProcessAsync("query", "--network", "ipfs", target, "--bootstrap", swarm.IpfsBootstrap, "--json", "--verbose")).AssertSuccess();

        // Every FIND_NODE the temporary peer sent shows as a query and then its one answer, naming the peer asked;
        // the swarm's peers answer, so some answers name the peers they know.
        var trace = result.Json("trace").ToList();
        var queries = trace.Where(e => e.GetProperty("event").GetString() == "query").ToList();
        var answers = trace.Where(e => e.GetProperty("event").GetString() == "answer").ToList();
        Assert.NotEmpty(queries);
        Assert.All(queries, q => Assert.Equal("FIND_NODE", q.GetProperty("query").GetString()));
        Assert.Equal(queries.Count, answers.Count);
        Assert.All(answers, a => Assert.True(PeerId.TryParse(a.GetProperty("id").GetString(), out _)));
        Assert.Contains(answers, a => a.GetProperty("outcome").GetString() == "answered" && a.GetProperty("nodes").GetInt32() > 0);
    }

    [Fact]
    public async Task ProvideThenFindprovs_Ipfs_TheTemporaryNodeIsFoundWithItsAddrs()
    {
        string cid = Cid.Hash(Guid.NewGuid().ToByteArray()).ToString();

        var provided = (await Cli.RunInProcessAsync("provide", "--network", "ipfs", cid, "--bootstrap", swarm.IpfsBootstrap, "--json")).AssertSuccess();
        var announce = Assert.Single(provided.Json("provided"));
        Assert.Equal(cid, announce.GetProperty("cid").GetString());
        Assert.True(announce.GetProperty("stored").GetInt32() > 0);
        AssertPeer(announce);

        var found = (await Cli.RunInProcessAsync("findprovs", "--network", "ipfs", cid, "--bootstrap", swarm.IpfsBootstrap, "--json")).AssertSuccess();
        var provider = Assert.Single(found.Json("provider"));
        Assert.Equal(announce.GetProperty("peerId").GetString(), provider.GetProperty("peerId").GetString());
        AssertPeer(provider);
    }

    [Fact]
    public async Task PutThenGet_IpfsPublicKeyRecord_GetGivesTheRecordBase64InV()
    {
        var key = EcdsaPrivateKey.Generate();
        string recordKey = $"/pk/{key.PeerId}";
        string file = Path.Combine(_directory, "pk.bin");
        await File.WriteAllBytesAsync(file, key.PublicKey.Marshal());

        var put = (await Cli.RunInProcessAsync("put", "--network", "ipfs", recordKey, file, "--bootstrap", swarm.IpfsBootstrap, "--json")).AssertSuccess();
        Assert.True(Assert.Single(put.Json("put")).GetProperty("stored").GetInt32() > 0);

        var got = (await Cli.RunInProcessAsync("get", "--network", "ipfs", recordKey, "--bootstrap", swarm.IpfsBootstrap, "--json")).AssertSuccess();
        var value = Assert.Single(got.Json("value"));
        Assert.Equal(recordKey, value.GetProperty("key").GetString());
        Assert.Equal(key.PublicKey.Marshal(), value.GetProperty("v").GetBytesFromBase64());
        Assert.Equal("Ecdsa", value.GetProperty("keyType").GetString());
    }

    [Fact]
    public async Task PutThenGet_IpfsIpnsRecordText_ShowsTheValueAndSequence()
    {
        var name = Ed25519PrivateKey.Generate();
        string recordKey = $"/ipns/{name.PeerId}";
        string path = $"/ipfs/{Cid.Hash("ipns test"u8)}";
        string file = Path.Combine(_directory, "ipns.bin");
        await File.WriteAllBytesAsync(file, IpnsRecord.Create(name, Encoding.UTF8.GetBytes(path), 7, DateTimeOffset.UtcNow.AddHours(1), TimeSpan.FromMinutes(1)));

        var put = (await Cli.RunInProcessAsync("put", "--network", "ipfs", recordKey, "--file", file, "--bootstrap", swarm.IpfsBootstrap)).AssertSuccess();
        Assert.Contains($"Stored record {recordKey} on", put.StandardOutput);
        Assert.Contains($"get {recordKey} --network ipfs --bootstrap {swarm.IpfsBootstrap}", put.StandardOutput);

        var got = (await Cli.RunInProcessAsync("get", "--network", "ipfs", recordKey, "--bootstrap", swarm.IpfsBootstrap)).AssertSuccess();
        Assert.Contains(path, got.StandardOutput);
        Assert.Matches(@"│ seq\s+│ 7 ", got.StandardOutput);
    }

    [Fact]
    public async Task Put_IpfsRecordTheValidatorRefuses_ExitsOneSayingWhy()
    {
        string file = Path.Combine(_directory, "junk.bin");
        await File.WriteAllBytesAsync(file, [1, 2, 3]);

        var result = await Cli.RunInProcessAsync("put", "--network", "ipfs", $"/pk/{EcdsaPrivateKey.Generate().PeerId}", file, "--bootstrap", swarm.IpfsBootstrap);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("put refused: The record is not valid for its key: A /pk/ value is a libp2p PublicKey protobuf.", result.StandardError);
        result.AssertNoStackTrace();
    }

    [Fact]
    public async Task GetAndFindpeer_IpfsNothingThere_ExitTwo()
    {
        var nobody = Ed25519PrivateKey.Generate().PeerId;

        var get = await Cli.RunInProcessAsync("get", "--network", "ipfs", $"/ipns/{nobody}", "--bootstrap", swarm.IpfsBootstrap);
        var findpeer = await Cli.RunInProcessAsync("findpeer", "--network", "ipfs", nobody.ToString(), "--bootstrap", swarm.IpfsBootstrap);

        Assert.Equal(2, get.ExitCode);
        Assert.Contains($"no record found for /ipns/{nobody}", get.StandardError);
        Assert.Equal(2, findpeer.ExitCode);
        Assert.Contains($"peer {nobody} not found", findpeer.StandardError);
    }

    [Fact]
    public async Task Query_IpfsBootstrapThroughDnsAddr_ResolvedWithTheGivenDnsServer()
    {
        await using var dns = new LocalDnsServer();
        var seed = swarm.Network.IpfsPeers[0];
        dns.Add("_dnsaddr.swarm.test", $"dnsaddr={seed.Addrs[0]}", "dnsaddr=/ip4/127.0.0.1/udp/1/quic-v1/p2p/" + seed.PeerId);

        var result = (await Cli.RunInProcessAsync(
            "query", "--network", "ipfs", Ed25519PrivateKey.Generate().PeerId.ToString(),
            "--bootstrap", $"/dnsaddr/swarm.test/p2p/{seed.PeerId}", "--dns-server", dns.EndPoint.ToString(), "--json")).AssertSuccess();

        Assert.NotEmpty(result.Json("node"));
        Assert.Equal(1, dns.UdpQueries);
    }

    [Fact]
    public async Task Query_IpfsDnsAddrThatDoesNotExist_ExitsThreeNoPeerAnswered()
    {
        await using var dns = new LocalDnsServer();

        var result = await Cli.RunInProcessAsync(
            "query", "--network", "ipfs", Ed25519PrivateKey.Generate().PeerId.ToString(),
            "--bootstrap", $"/dnsaddr/missing.test/p2p/{swarm.Network.IpfsPeers[0].PeerId}", "--dns-server", dns.EndPoint.ToString());

        Assert.Equal(3, result.ExitCode);
        Assert.Contains("no node answered: bootstrap from /dnsaddr/missing.test/p2p/", result.StandardError);
    }

    [Fact]
    public async Task NodeIpfs_AsProcess_BootstrapsThroughDnsAddr()
    {
        await using var dns = new LocalDnsServer();
        var seed = swarm.Network.IpfsPeers[1];
        dns.Add("_dnsaddr.swarm.test", $"dnsaddr={seed.Addrs[0]}");

        await using var node = CliProcess.Start(
            "node", "--network", "ipfs", "--api", "none", "--ipfs-port", "0", "--bind", "127.0.0.1",
            "--bootstrap", $"/dnsaddr/swarm.test/p2p/{seed.PeerId}", "--dns-server", dns.EndPoint.ToString(), "--json");

        var added = JsonDocument.Parse(await node.ReadLineAsync(l => l.Contains("\"type\":\"node\"", StringComparison.Ordinal), Wait)).RootElement;
        Assert.Contains(swarm.Network.IpfsPeers, p => p.PeerId.ToString() == added.GetProperty("peerId").GetString());
        await node.TerminateAsync();
        Assert.Equal(0, (await node.WaitForExitAsync(Wait)).ExitCode);
    }

    /// <summary>A JSON line that names a peer: "peerId", and "addrs" that end in /p2p/ of it.</summary>
    private static void AssertPeer(JsonElement line)
    {
        string peerId = line.GetProperty("peerId").GetString()!;
        Assert.True(PeerId.TryParse(peerId, out _), peerId);
        var addrs = line.GetProperty("addrs").EnumerateArray().Select(a => a.GetString()!).ToList();
        Assert.NotEmpty(addrs);
        Assert.All(addrs, a => Assert.EndsWith($"/p2p/{peerId}", a));
    }

    /// <summary>8 Mainline nodes on UDP and 8 IPFS nodes on TCP, on 127.0.0.1.</summary>
    public sealed class Swarm : IAsyncLifetime
    {
        private LocalNetwork? _network;

        internal LocalNetwork Network => _network!;

        public string IpfsBootstrap => _network!.IpfsBootstrapAddress;

        public async Task InitializeAsync() => _network = await LocalNetwork.StartAsync(8, ipfsCount: 8);

        public async Task DisposeAsync()
        {
            if (_network is not null)
            {
                await _network.DisposeAsync();
            }
        }
    }
}
