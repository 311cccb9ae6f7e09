using System.Net;
using System.Text.Json;

namespace DhtNet.Tests.Cli;

/// <summary>
/// `dht node --data-dir` killed as an operator or a crash would: SIGKILL at random moments and
/// SIGTERM, then started again. Everything older than the flush interval (set to 0.2 s here with
/// --flush-interval) survives: id, identity key, table, stored peers and items, provided infohashes.
/// </summary>
public sealed class NodeCrashTests(LoopbackSwarm swarm) : IClassFixture<LoopbackSwarm>, IDisposable
{
    private const int Kills = 12;
    private const int Terms = 3;
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan FlushInterval = TimeSpan.FromMilliseconds(200);

    private readonly string _dataDirectory = Directory.CreateTempSubdirectory("dht-cli-crash-").FullName;

    public void Dispose() => Directory.Delete(_dataDirectory, recursive: true);

    [Fact]
    public async Task Node_KilledAndTerminatedRepeatedly_RestartsWithEverythingFlushed()
    {
        var random = new Random(15);
        var provided = NodeId.Random();
        var infoHash = NodeId.Random();
        byte[] value;
        NodeId id;
        NodeId target;

        // First run: other nodes store a peer and an item on it, and it provides an infohash.
        await using (var node = Start(provided))
        {
            (id, var endPoint) = await ListeningAsync(node);
            value = ValueClosestTo(id);
            target = NodeId.Sha1(value);
            await Eventually.UntilAsync(() => swarm.Nodes.Any(s => s.ExportNodes().Any(n => n.Id == id)), "a swarm node holds the node");
            var announcer = swarm.Nodes.First(s => s.ExportNodes().Any(n => n.Id == id));
            Assert.True((await announcer.ProvideAsync(id, 7000)).Stored > 0);
            Assert.True((await announcer.PutAsync(value)).Stored > 0);

            // Announced to the swarm: a swarm node finds this node as a provider.
            await Eventually.UntilAsync(async () => await swarm.Nodes[1].FindProvidersAsync(provided, timeout: TimeSpan.FromSeconds(5)).AnyAsync(p => p.Port == endPoint.Port), "the node's provided infohash is found");
            // Killed once a flush holds all of it: read from a copy, so the running node's files are never touched.
            await Eventually.UntilAsync(async () => await NodeStateFile.ReadCopyAsync(_dataDirectory, NodeStateFile.LoadAsync) is { } flushed && Holds(flushed), "a flushed copy of the state holds everything");
            await KillAsync(node);
        }

        var saved = await NodeStateFile.LoadAsync(_dataDirectory);
        Assert.Equal(id, saved.Id);
        byte[] key = Assert.IsType<byte[]>(saved.IdentityKey);
        AssertHolds(saved);

        for (int run = 0; run < Kills + Terms; run++)
        {
            bool kill = run < Kills;
            await using (var node = Start())
            {
                Assert.Equal(id, (await ListeningAsync(node)).Id);

                // Any moment: restoring, bootstrapping, between or during flushes.
                await Task.Delay(random.Next(0, 1500));
                if (kill)
                {
                    await KillAsync(node);
                }
                else
                {
                    await node.TerminateAsync();
                    var result = await node.WaitForExitAsync(Wait);
                    Assert.True(result.ExitCode == 0, result.ToString());
                    result.AssertNoStackTrace();
                }
            }

            saved = await NodeStateFile.LoadAsync(_dataDirectory);
            Assert.Equal(id, saved.Id);
            Assert.Equal(key, saved.IdentityKey);
            AssertHolds(saved);
        }

        bool Holds(NodeStateFile state) =>
            state.Contacts.Count > 0
            && state.Contacts.All(c => swarm.Nodes.Any(s => s.Id == c.Id))
            && state.Peers.Any(p => p.InfoHash == id && p.Peer.Port == 7000)
            && state.Items.Contains(target)
            && state.Provided.SequenceEqual([provided]);

        void AssertHolds(NodeStateFile state)
        {
            Assert.NotEmpty(state.Contacts);
            Assert.All(state.Contacts, c => Assert.Contains(swarm.Nodes, s => s.Id == c.Id));
            Assert.Contains(state.Peers, p => p.InfoHash == id && p.Peer.Port == 7000);
            Assert.Contains(target, state.Items);
            Assert.Equal([provided], state.Provided);
        }
    }

    private CliProcess.Running Start(params NodeId[] provide) => CliProcess.Start(
        [
            "node", "--network", "mainline", "--api", "none", "--port", "0", "--bind", "127.0.0.1", "--bootstrap", swarm.Bootstrap, "--data-dir", _dataDirectory,
            "--flush-interval", FlushInterval.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture), "--json",
            .. provide.SelectMany(p => new[] { "--provide", p.ToString() }),
        ]);

    private static async Task<(NodeId Id, IPEndPoint EndPoint)> ListeningAsync(CliProcess.Running node)
    {
        using var listening = JsonDocument.Parse(await node.ReadLineAsync(Wait));
        var root = listening.RootElement;
        Assert.Equal("listening", root.GetProperty("type").GetString());
        return (NodeId.Parse(root.GetProperty("id").GetString()!), IPEndPoint.Parse(root.GetProperty("addresses")[0].GetString()!));
    }

    internal static async Task KillAsync(CliProcess.Running node)
    {
        using var kill = System.Diagnostics.Process.Start("kill", ["-KILL", node.Id.ToString()]);
        await kill.WaitForExitAsync();
        Assert.Equal(0, kill.ExitCode);
        await node.WaitForExitAsync(Wait);
    }

    // An immutable value whose SHA-1 is closer to the node than to any swarm node, so the put lands on it.
    private byte[] ValueClosestTo(NodeId id)
    {
        for (int i = 0; ; i++)
        {
            byte[] value = System.Text.Encoding.ASCII.GetBytes($"i{i}e");
            var target = NodeId.Sha1(value);
            if (swarm.Nodes.All(n => NodeId.CompareDistance(id, n.Id, target) < 0))
            {
                return value;
            }
        }
    }
}
