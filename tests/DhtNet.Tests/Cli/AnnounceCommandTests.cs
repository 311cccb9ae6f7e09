using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using DhtNet.Cli;
using DhtNet.Cli.Input;
using DhtNet.Cli.Output;

namespace DhtNet.Tests.Cli;

/// <summary>`dht node --announce-addr` and its siblings: what the IPFS side prints and tells peers, and wrong values refused.</summary>
public sealed class AnnounceCommandTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task NodeIpfs_AnnounceAddr_PrintedAndToldThroughIdentify()
    {
        // The port must be known to dial the node where it really listens, since it prints only the announced one.
        int port = FreeTcpPort();
        await using var node = CliProcess.Start(
            "node", "--network", "ipfs", "--api", "none", "--ipfs-port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1",
            "--bootstrap", "none", "--json", "--log-level", "none", "--announce-addr", "/ip4/203.0.113.7/tcp/4001");
        string peerId;
        using (var first = JsonDocument.Parse(await node.ReadLineAsync(Wait)))
        {
            var listening = first.RootElement;
            Assert.Equal("listening", listening.GetProperty("type").GetString());
            peerId = listening.GetProperty("peerId").GetString()!;
            Assert.Equal($"/ip4/203.0.113.7/tcp/4001/p2p/{peerId}", Assert.Single(listening.GetProperty("addrs").EnumerateArray()).GetString());
        }

        await using var other = new LibP2pHost(Ed25519PrivateKey.Generate());
        await other.StartAsync();
        var learned = new TaskCompletionSource<PeerIdentity>(TaskCreationOptions.RunContinuationsAsynchronously);
        other.PeerIdentified += (_, identity) => learned.TrySetResult(identity);
        await other.ConnectAsync(Multiaddr.Parse($"/ip4/127.0.0.1/tcp/{port}/p2p/{peerId}"));
        Assert.Equal([Multiaddr.Parse("/ip4/203.0.113.7/tcp/4001")], (await learned.Task.WaitAsync(Wait)).ListenAddresses);

        await node.TerminateAsync();
        Assert.Equal(0, (await node.WaitForExitAsync(Wait)).ExitCode);
    }

    [Fact]
    public async Task NodeIpfs_AppendAndNoAnnounce_PrintedAddressesFollowThem()
    {
        var addrs = await CaptureListeningAsync(
            "--bind", "127.0.0.1", "--append-announce-addr", "/dns4/node.example.org/tcp/4001", "--append-announce-addr", "/ip4/203.0.113.7/tcp/4001",
            "--no-announce-addr", "/ip4/203.0.113.0/ipcidr/24");
        Assert.Equal(2, addrs.Length);
        Assert.Matches(@"^/ip4/127\.0\.0\.1/tcp/\d+/p2p/", addrs[0]);
        Assert.StartsWith("/dns4/node.example.org/tcp/4001/p2p/", addrs[1], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--announce-addr", "/ip4/0.0.0.0/tcp/4001", "unspecified")]
    [InlineData("--announce-addr", "/ip4/203.0.113.7", "no transport")]
    [InlineData("--announce-addr", "/ip4/203.0.113.7/tcp/4001/p2p/12D3KooWMXMDVtQ9WUjHSMuD6PHkVa85RxWXVS2VbPpM1HNV41TJ", "another peer")]
    [InlineData("--append-announce-addr", "/ip6/::/tcp/4001", "unspecified")]
    [InlineData("--append-announce-addr", "not a multiaddr", "multiaddr")]
    [InlineData("--no-announce-addr", "/ip4/10.0.0.0/ipcidr/40", "prefix of 40 bits")]
    public async Task NodeIpfs_WrongAnnounceValue_BadInputNamingTheOption(string option, string value, string reason)
    {
        var result = await Cli.RunInProcessAsync("node", "--network", "ipfs", "--api", "none", "--ipfs-port", "0", "--bind", "127.0.0.1", "--bootstrap", "none", option, value);

        Assert.Equal(ExitCodes.BadInput, result.ExitCode);
        Assert.Contains(option, result.StandardError, StringComparison.Ordinal);
        Assert.Contains(reason, result.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("(Parameter", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NodeMainline_AnnounceAddr_BadInput()
    {
        var result = await Cli.RunInProcessAsync("node", "--network", "mainline", "--api", "none", "--port", "0", "--announce-addr", "/ip4/203.0.113.7/tcp/4001");

        Assert.Equal(ExitCodes.BadInput, result.ExitCode);
        Assert.Contains("--announce-addr", result.StandardError, StringComparison.Ordinal);
    }

    private static async Task<string[]> CaptureListeningAsync(params string[] extra)
    {
        var stdout = new LineCapture();
        using var stop = new CancellationTokenSource();
        var run = DhtCli.RunAsync(
            ["node", "--network", "ipfs", "--api", "none", "--ipfs-port", "0", "--bootstrap", "none", "--json", "--log-level", "none", .. extra],
            new CliConsole(stdout, new StringWriter()),
            stop.Token);
        string[] addrs;
        using (var first = JsonDocument.Parse(await stdout.ReadLineAsync(Wait)))
        {
            Assert.Equal("listening", first.RootElement.GetProperty("type").GetString());
            addrs = [.. first.RootElement.GetProperty("addrs").EnumerateArray().Select(a => a.GetString()!)];
        }

        await stop.CancelAsync();
        Assert.Equal(0, await run.WaitAsync(Wait));
        return addrs;
    }

    private static int FreeTcpPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
