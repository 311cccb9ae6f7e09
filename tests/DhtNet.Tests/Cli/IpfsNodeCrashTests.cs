using System.Text;
using System.Text.Json;

namespace DhtNet.Tests.Cli;

/// <summary>
/// `dht node --network both --data-dir` killed with SIGKILL at random moments and stopped with SIGTERM, then
/// started again: the IPFS side comes back with its peer id, table contacts, the provider records and records
/// other peers stored on it, the CIDs it provides and the IPNS name it publishes, which it republishes after the
/// restart; the Mainline side puts its kept BEP 44 item again after the restart.
/// </summary>
public sealed class IpfsNodeCrashTests(IpfsCommandTests.Swarm swarm) : IClassFixture<IpfsCommandTests.Swarm>, IDisposable
{
    private const int Kills = 6;
    private const int Terms = 2;
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan FlushInterval = TimeSpan.FromMilliseconds(200);

    private readonly string _dataDirectory = Directory.CreateTempSubdirectory("dht-cli-ipfs-crash-").FullName;

    public void Dispose() => Directory.Delete(_dataDirectory, recursive: true);

    [Fact]
    public async Task NodeBoth_KilledAndTerminatedRepeatedly_RestartsWithIpfsStateAndKeepsPublishing()
    {
        var random = new Random(15);
        var provided = Cid.Hash("provided by the crash-tested node"u8);
        var storedCid = Cid.Hash("provided by a swarm peer"u8);
        var swarmPeer = swarm.Network.IpfsPeers[1];
        byte[] recordKey = IpnsRecord.KeyFor(swarmPeer.PeerId);
        byte[] record = IpnsRecord.Create(swarmPeer.Identity, Encoding.UTF8.GetBytes($"/ipfs/{storedCid}"), 1, DateTimeOffset.UtcNow.AddHours(24), TimeSpan.FromHours(1));
        string kept = $"kept alive by {Guid.NewGuid():N}";
        var keptTarget = NodeId.Sha1(new BencodeString(Encoding.UTF8.GetBytes(kept)).Encode());
        PeerId peerId;

        // First run: it provides a CID, keeps an item alive and publishes its name; a swarm peer stores a
        // provider record and a record on it.
        await using (var node = Start("--provide", provided.ToString(), "--keep-put", kept, "--publish", $"/ipfs/{provided}"))
        {
            peerId = await ListeningAsync(node);
            var key = IpfsContact.KeyOf(peerId);
            await Eventually.UntilAsync(() => swarm.Network.IpfsPeers.Any(p => p.Node.Table.Contains(key)), "a swarm peer holds the node in its table", Wait);
            await Eventually.UntilAsync(() => swarmPeer.Node.Table.Contains(key), "the storing swarm peer holds the node", Wait);
            Assert.True(await swarmPeer.Node.ProvideAsync(storedCid) > 0);
            Assert.True(await swarmPeer.Node.PutAsync(recordKey, record) > 0);
            await Eventually.UntilAsync(async () => await NodeStateFile.ReadCopyAsync(_dataDirectory, IpfsStateFile.LoadAsync) is { } flushed && Holds(flushed), "a flushed copy of the state holds everything", Wait);
            await NodeCrashTests.KillAsync(node);
        }

        AssertHolds(await IpfsStateFile.LoadAsync(_dataDirectory));
        byte[] ownName = IpnsRecord.KeyFor(peerId);
        var publishedUntil = HeldValidity(ownName);
        Assert.NotNull(publishedUntil);

        // From here on the swarm's Mainline nodes tell when they store the kept item again.
        var puts = new ItemPuts(keptTarget);
        foreach (var mainline in swarm.Network.Nodes)
        {
            mainline.Items.Observer = puts;
        }

        for (int run = 0; run < Kills + Terms; run++)
        {
            bool kill = run < Kills;
            int putsBefore = puts.Count;
            await using (var node = Start())
            {
                Assert.Equal(peerId, await ListeningAsync(node));
                if (run == 0)
                {
                    // After a restart the name is signed and put again, and the item put again, without being asked.
                    await Eventually.UntilAsync(() => HeldValidity(ownName) > publishedUntil, "a swarm peer holds the republished IPNS record", Wait);
                    await Eventually.UntilAsync(() => puts.Count > putsBefore, "a swarm node stores the kept item again", Wait);
                }
                else
                {
                    // Any moment: restoring, joining, republishing, between or during flushes.
                    await Task.Delay(random.Next(0, 1500));
                }

                if (kill)
                {
                    await NodeCrashTests.KillAsync(node);
                }
                else
                {
                    await node.TerminateAsync();
                    var result = await node.WaitForExitAsync(Wait);
                    Assert.True(result.ExitCode == 0, result.ToString());
                    result.AssertNoStackTrace();
                }
            }

            AssertHolds(await IpfsStateFile.LoadAsync(_dataDirectory));
        }

        bool Holds(IpfsStateFile state) =>
            state.Contacts.Count > 0
            && state.Contacts.All(c => swarm.Network.IpfsPeers.Any(p => p.PeerId == c))
            && state.Providers.Contains((storedCid.Multihash, swarmPeer.PeerId))
            && state.Records.Any(r => r.Key.SequenceEqual(recordKey) && r.Value.SequenceEqual(record))
            && state.Provided.SequenceEqual([provided.Multihash])
            && state.Published.SequenceEqual([peerId])
            && state.KeptItems.SequenceEqual([keptTarget]);

        void AssertHolds(IpfsStateFile state)
        {
            Assert.NotEmpty(state.Contacts);
            Assert.All(state.Contacts, c => Assert.Contains(swarm.Network.IpfsPeers, p => p.PeerId == c));
            Assert.Contains((storedCid.Multihash, swarmPeer.PeerId), state.Providers);
            Assert.Contains(state.Records, r => r.Key.SequenceEqual(recordKey) && r.Value.SequenceEqual(record));
            Assert.Equal([provided.Multihash], state.Provided);
            Assert.Equal([peerId], state.Published);
            Assert.Equal([keptTarget], state.KeptItems);
        }
    }

    private CliProcess.Running Start(params string[] extra) => CliProcess.Start(
        [
            "node", "--network", "both", "--api", "none", "--port", "0", "--ipfs-port", "0", "--bind", "127.0.0.1",
            "--bootstrap", $"{swarm.Network.BootstrapAddress},{swarm.IpfsBootstrap}", "--data-dir", _dataDirectory,
            "--flush-interval", FlushInterval.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture), "--json",
            .. extra,
        ]);

    private static async Task<PeerId> ListeningAsync(CliProcess.Running node)
    {
        using var listening = JsonDocument.Parse(await node.ReadLineAsync(Wait));
        var root = listening.RootElement;
        Assert.Equal("listening", root.GetProperty("type").GetString());
        return PeerId.Parse(root.GetProperty("peerId").GetString()!);
    }

    // The latest validity among the swarm peers' copies of a record.
    private DateTimeOffset? HeldValidity(byte[] key) =>
        swarm.Network.IpfsPeers.Select(p => p.Node.Records.Get(key)).Where(r => r is not null).Select(r => (DateTimeOffset?)IpnsRecord.Parse(r!.Value.Span).Validity).Max();

    /// <summary>Counts the puts of one item a Mainline node stores (its item store's observer).</summary>
    private sealed class ItemPuts(NodeId target) : IStoreObserver
    {
        private int _count;

        public int Count => Volatile.Read(ref _count);

        public void PeerAnnounced(NodeId infoHash, in StoredPeer peer, long announcedAt)
        {
        }

        public void ItemStored(DhtItem item, long putAt)
        {
            if (item.Target == target)
            {
                Interlocked.Increment(ref _count);
            }
        }
    }

    /// <summary>What the IPFS side (and the Mainline kept items) of `dht node --data-dir` saved.</summary>
    private sealed record IpfsStateFile(
        IReadOnlyList<PeerId> Contacts,
        IReadOnlyList<(Multihash Key, PeerId Provider)> Providers,
        IReadOnlyList<SavedRecord> Records,
        IReadOnlyList<Multihash> Provided,
        IReadOnlyList<PeerId> Published,
        IReadOnlyList<NodeId> KeptItems)
    {
        public static async Task<IpfsStateFile> LoadAsync(string directory)
        {
            await using var store = SqliteStateStore.Open(directory);
            var ipfs = await store.LoadAsync(IpfsState.Network, new DhtStateLimits());
            var mainline = await store.LoadAsync(MainlineState.Network, new DhtStateLimits());
            return new IpfsStateFile(
                [.. ipfs.Contacts.Select(c => PeerId.FromBytes(c.Id))],
                [.. ipfs.Providers.Select(p => (Multihash.FromBytes(p.Key), PeerId.FromBytes(p.ProviderId)))],
                ipfs.Records,
                [.. ipfs.Publications.Where(p => p.Kind == IpfsState.ProvideKind).Select(p => Multihash.FromBytes(p.Key))],
                [.. ipfs.Publications.Where(p => p.Kind == IpfsState.IpnsKind).Select(p => PeerId.FromBytes(p.Key))],
                [.. mainline.Publications.Where(p => p.Kind == KeptItem.PublicationKind).Select(p => new NodeId(p.Key))]);
        }
    }
}
