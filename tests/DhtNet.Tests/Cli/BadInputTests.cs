namespace DhtNet.Tests.Cli;

/// <summary>Every kind of bad input exits 1 with a message that names the argument, and never shows a stack trace.</summary>
public sealed class BadInputTests(BadInputTests.Files files) : IClassFixture<BadInputTests.Files>
{
    private const string Hex = "0123456789abcdef0123456789abcdef01234567";
    private const string PeerId = "12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA";

    // Known when the cases are listed; the fixture creates them before the tests run.
    private static readonly string Directory = Path.Combine(Path.GetTempPath(), $"dht-cli-bad-input-{Environment.ProcessId}");
    private static readonly string NotAKey = Path.Combine(Directory, "not-a-key.json");
    private static readonly string ExistingFile = Path.Combine(Directory, "existing.txt");

    public static TheoryData<CliHost, string[], string> Cases()
    {
        string[][] cases =
        [
            ["key must be 40 hex digits, got 3", "query", "abc"],
            ["key must be 40 hex digits, got 39", "query", Hex[..39]],
            ["key must be 40 hex digits, got 'zz", "query", "zz" + Hex[2..]],
            ["node-id must be 40 hex digits, got 4", "findpeer", "abcd"],
            ["infohash must be 40 hex digits, got 41", "findprovs", Hex + "0"],
            ["--max must be at least 1, got 0", "findprovs", Hex, "--max", "0"],
            ["'--max'", "findprovs", Hex, "--max", "many"],
            ["infohash must be 40 hex digits, got 2", "provide", Hex, "ab"],
            ["--port must be 1..65535, got 0", "provide", Hex, "--port", "0"],
            ["target must be 40 hex digits, got 5", "get", "12345"],
            ["--salt must be at most 64 bytes, got 65", "get", Hex, "--salt", new string('s', 65)],
            ["value is missing", "put"],
            ["value: give <value> or --file <path>, not both", "put", "x", "--file", ExistingFile],
            ["--file: '/nonexistent/value.bin' does not exist", "put", "--file", "/nonexistent/value.bin"],
            ["value is not valid bencode", "put", "hello", "--bencoded"],
            ["value is not valid bencode: 3 trailing bytes", "put", "i1ei2e", "--bencoded"],
            ["value is not valid bencode", "put", "d1:bi1e1:ai2ee", "--bencoded"],
            ["value is 1005 bytes bencoded; BEP 44 allows at most 1000", "put", new string('v', 1000)],
            ["--salt, --seq and --cas are for mutable items", "put", "x", "--seq", "1"],
            ["--key: '/nonexistent/key.json' does not exist", "put", "x", "--key", "/nonexistent/key.json"],
            ["--key: Key file", "put", "x", "--key", NotAKey],
            ["--seq must be 0 or more, got -1", "put", "x", "--key", NotAKey, "--seq=-1"],
            ["'--cas'", "put", "x", "--cas", "soon"],
            ["infohash must be 40 hex digits, got 0", "scrape", ""],
            ["address must be host:port, got 'localhost'", "sample", "localhost"],
            ["address: port must be 1..65535, got '99999'", "ping", "127.0.0.1:99999"],
            ["address: write an IPv6 address in brackets", "ping", "::1:6881"],
            ["--target must be 40 hex digits, got 3", "sample", "127.0.0.1:6881", "--target", "abc"],
            ["--bootstrap must be host:port, got 'router'", "query", Hex, "--bootstrap", "router"],
            ["--bootstrap: 'none' cannot be combined with addresses", "query", Hex, "--bootstrap", "none,127.0.0.1:6881"],
            ["--port must be 0..65535, got 70000", "query", Hex, "--port", "70000"],
            ["--timeout must be a positive number of seconds, got 0", "query", Hex, "--timeout", "0"],

            // The IPFS DHT: peer ids, CIDs, record keys and multiaddrs, each named in its message.
            ["key: 'not-a-key' is neither a peer id nor a CID", "query", "--network", "ipfs", "not-a-key"],
            ["peer-id: 'QmNotAPeer0' is not a valid peer id", "findpeer", "--network", "ipfs", "QmNotAPeer0"],
            ["cid: 'bafyNOT' is not a valid CID", "findprovs", "--network", "ipfs", "bafyNOT"],
            ["cid: 'zz' is not a valid CID", "provide", "--network", "ipfs", "zz"],
            ["key: '/ipns/xyz' does not name a valid peer id after /ipns/", "get", "--network", "ipfs", "/ipns/xyz"],
            ["key: '/foo/bar' is not an IPFS record key; give /pk/<peer id> or /ipns/<peer id>", "get", "--network", "ipfs", "/foo/bar"],
            ["record is missing", "put", "--network", "ipfs", $"/pk/{PeerId}"],
            ["--bootstrap: '/ip4/1.2.3/tcp/4001' is not a valid multiaddr", "query", "--network", "ipfs", PeerId, "--bootstrap", "/ip4/1.2.3/tcp/4001"],
            ["--bootstrap: multiaddr '/ip4/127.0.0.1/tcp/4001' must end in /p2p/<peer id>", "query", "--network", "ipfs", PeerId, "--bootstrap", "/ip4/127.0.0.1/tcp/4001"],
            ["is neither /ip4|ip6/<address>/tcp/<port> nor /dnsaddr/<host>", "query", "--network", "ipfs", PeerId, "--bootstrap", $"/ip4/127.0.0.1/udp/4001/quic-v1/p2p/{PeerId}"],
            ["--bootstrap: '127.0.0.1:6881' is host:port, for the Mainline DHT", "query", "--network", "ipfs", PeerId, "--bootstrap", "127.0.0.1:6881"],
            ["is a multiaddr, for the IPFS DHT; this command runs --network mainline", "query", Hex, "--bootstrap", $"/ip4/127.0.0.1/tcp/4001/p2p/{PeerId}"],
            ["--dns-server takes an IP address with an optional :port, got 'dns.test'", "query", "--network", "ipfs", PeerId, "--dns-server", "dns.test"],
            ["--provide: 'bafyNOT' is not a valid CID", "node", "--provide", "bafyNOT"],
            ["Argument 'both' not recognized. Must be one of", "query", Hex, "--network", "both"],
            ["'--log-level'", "query", Hex, "--log-level", "loud"],
            ["--bind takes IP addresses, got 'eth0'", "node", "--bind", "eth0"],
            ["--bind takes at most one IPv4 and one IPv6 address", "node", "--bind", "127.0.0.1,127.0.0.2"],
            ["--id must be 40 hex digits, got 6", "node", "--id", "abcdef"],
            ["--port must be 0..65535, got -1", "node", "--port=-1"],
            ["--nodes must be at least 3, got 1", "swarm", "--nodes", "1"],
            ["'--out' is required", "keygen"],
            [$"--out: '{ExistingFile}' exists; pass --force to replace it", "keygen", "--out", ExistingFile],
            ["'frob'", "frob"],
            ["'--frobnicate'", "query", Hex, "--frobnicate"],
        ];

        var data = new TheoryData<CliHost, string[], string>();
        foreach (var host in new[] { CliHost.InProcess, CliHost.Process })
        {
            foreach (string[] c in cases)
            {
                data.Add(host, c[1..], c[0]);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Run_BadInput_ExitsOneNamingIt(CliHost host, string[] args, string message)
    {
        Assert.True(files.Ready);
        var result = await Cli.RunAsync(host, args);

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains(message, result.StandardError);
        Assert.Equal(string.Empty, result.StandardOutput);
        result.AssertNoStackTrace();
    }

    /// <summary>The files some cases name: a key file that is not valid, and a file that exists.</summary>
    public sealed class Files : IDisposable
    {
        public Files()
        {
            System.IO.Directory.CreateDirectory(Directory);
            File.WriteAllText(NotAKey, "{\"seed\":\"00\"}");
            File.WriteAllText(ExistingFile, "x");
        }

        public bool Ready => File.Exists(NotAKey) && File.Exists(ExistingFile);

        public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);
    }
}
