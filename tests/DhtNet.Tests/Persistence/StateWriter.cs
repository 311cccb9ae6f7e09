using System.Buffers.Binary;

namespace DhtNet.Tests.Persistence;

/// <summary>
/// Writes numbered batches into a state store, and checks a store that was cut off mid-write:
/// batch n adds <see cref="PeersPerBatch"/> peers under infohash n, removes batch n - <see cref="BatchesKept"/>,
/// and sets the counter item to n, all in one flush. A consistent store therefore holds exactly the
/// last <see cref="BatchesKept"/> batches up to the counter, each with all its peers.
/// </summary>
internal static class StateWriter
{
    public const string Network = "crash-test";
    public const int PeersPerBatch = 16;
    public const int BatchesKept = 5;

    private static readonly byte[] CounterTarget = new byte[20];

    // Filler so the WAL grows quickly and checkpoints happen while copies are taken and kills land.
    private static readonly byte[] Filler = new byte[1500];

    public static DhtStateLimits Unlimited { get; } = new()
    {
        MaxPeers = int.MaxValue,
        MaxPeersPerInfoHash = int.MaxValue,
        MaxItems = int.MaxValue,
        MaxRecords = int.MaxValue,
    };

    /// <summary>The child-process entry: writes batches until it is killed, printing each batch number once it is flushed.</summary>
    public static async Task<int> RunAsync(string dataDirectory)
    {
        await using SqliteStateStore store = SqliteStateStore.Open(dataDirectory, new DhtStateStoreOptions { FlushInterval = TimeSpan.FromHours(1) });
        store.CheckpointBytes = 256 * 1024;
        long batch = CheckConsistent(await store.LoadAsync(Network, Unlimited)) + 1;
        DateTimeOffset expires = DateTimeOffset.UtcNow.AddDays(1);
        while (true)
        {
            Record(store, batch, expires);
            await store.FlushAsync();
            Console.Out.WriteLine(batch);
            await Console.Out.FlushAsync();
            batch++;
        }
    }

    public static void Record(IDhtStateStore store, long batch, DateTimeOffset expires)
    {
        for (int i = 0; i < PeersPerBatch; i++)
        {
            store.RecordPeer(Network, new SavedPeer(InfoHash(batch), Address(i), i % 2 == 0, expires));
            if (batch >= BatchesKept)
            {
                store.RemovePeer(Network, InfoHash(batch - BatchesKept), Address(i));
            }
        }

        store.RecordValue(Network, new SavedRecord(BitConverter.GetBytes(batch % 64), Filler, expires, expires));
        byte[] counter = new byte[8];
        BinaryPrimitives.WriteInt64BigEndian(counter, batch);
        store.RecordItem(Network, new SavedItem(CounterTarget, counter, expires));
    }

    /// <summary>Asserts that <paramref name="state"/> holds whole batches only, the last ones up to the counter; returns the counter (-1 for an empty store).</summary>
    public static long CheckConsistent(DhtState state)
    {
        SavedItem? counterItem = state.Items.SingleOrDefault(i => i.Target.AsSpan().SequenceEqual(CounterTarget));
        if (counterItem is null)
        {
            Assert.Empty(state.Peers);
            return -1;
        }

        long last = BinaryPrimitives.ReadInt64BigEndian(counterItem.Item);
        var batches = state.Peers
            .GroupBy(p => BinaryPrimitives.ReadInt64BigEndian(p.InfoHash))
            .ToDictionary(g => g.Key, g => g.Count());
        long first = Math.Max(0, last - BatchesKept + 1);
        Assert.Equal(LongRange(first, last), batches.Keys.Order());
        Assert.All(batches, b => Assert.Equal(PeersPerBatch, b.Value));
        return last;
    }

    private static IEnumerable<long> LongRange(long first, long last)
    {
        for (long n = first; n <= last; n++)
        {
            yield return n;
        }
    }

    private static byte[] InfoHash(long batch)
    {
        byte[] infoHash = new byte[20];
        BinaryPrimitives.WriteInt64BigEndian(infoHash, batch);
        return infoHash;
    }

    private static byte[] Address(int i) => [127, 0, 0, (byte)(i + 1), 0x1A, 0xE1];
}
