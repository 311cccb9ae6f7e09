namespace DhtNet.Tests.Persistence;

/// <summary>Peers and items packed many to a row (the SQLite store's format 4), and rows cut short.</summary>
public sealed class EntryBatchTests
{
    private const string Network = "mainline";

    [Fact]
    public void Unpack_PackedPeers_EveryEntryInOrderWithFlags()
    {
        var batch = new EntryBatch(Network, StateKind.Peer);
        batch.Add(Key(1), [10, 0, 0, 1, 0x1A, 0xE1], seed: true, removed: false, 1_000);
        batch.Add(Key(2), [10, 0, 0, 2, 0x1A, 0xE1], seed: false, removed: false, 2_000);
        batch.Add(Key(1), [10, 0, 0, 1, 0x1A, 0xE1], seed: false, removed: false, 3_000);
        batch.Add(Key(2), [10, 0, 0, 2, 0x1A, 0xE1], seed: false, removed: true, 4_000);

        var read = Read(StateKind.Peer, batch.Packed);

        Assert.Equal(
            [(1, true, false, 1_000L), (2, false, false, 2_000L), (1, false, false, 3_000L), (2, false, true, 4_000L)],
            read.Select(e => ((int)e.Key[0], e.Seed, e.Removed, e.Expires)));
        Assert.Equal([10, 0, 0, 2, 0x1A, 0xE1], read[1].Value);
        Assert.Equal(4_000, batch.Expires);
        Assert.Equal(4, batch.Count);
    }

    // Format 3's peer rows are read as they are: flags, infohash length, address length, expiry, infohash, address.
    [Fact]
    public void Unpack_PeerRowOfFormat3_ReadByteForByte()
    {
        byte[] row = [
            0x01, 0x02, 0x06, 0xE8, 0x03, 0, 0, 0, 0, 0, 0, 0xAA, 0xBB, 10, 0, 0, 1, 0x1A, 0xE1,
            0x02, 0x02, 0x06, 0xD0, 0x07, 0, 0, 0, 0, 0, 0, 0xAA, 0xBB, 10, 0, 0, 1, 0x1A, 0xE1,
        ];
        var batch = new EntryBatch(Network, StateKind.Peer);
        batch.Add([0xAA, 0xBB], [10, 0, 0, 1, 0x1A, 0xE1], seed: true, removed: false, 1_000);
        batch.Add([0xAA, 0xBB], [10, 0, 0, 1, 0x1A, 0xE1], seed: false, removed: true, 2_000);

        Assert.Equal(row, batch.Packed.ToArray());
        var read = Read(StateKind.Peer, row);
        Assert.Equal([(true, false, 1_000L), (false, true, 2_000L)], read.Select(e => (e.Seed, e.Removed, e.Expires)));
    }

    [Fact]
    public void Unpack_PackedItems_ValuesPastA255ByteLengthAndRemovalsEmpty()
    {
        var batch = new EntryBatch(Network, StateKind.Item);
        byte[] large = new byte[1_100];
        large[^1] = 9;
        batch.Add(Key(1), [1, 2, 3], seed: false, removed: false, 1_000);
        batch.Add(Key(2), large, seed: false, removed: false, 2_000);
        batch.Add(Key(1), [], seed: false, removed: true, 3_000);

        var read = Read(StateKind.Item, batch.Packed);

        Assert.Equal([(1, 3, false), (2, 1_100, false), (1, 0, true)], read.Select(e => ((int)e.Key[0], e.Value.Length, e.Removed)));
        Assert.Equal(large, read[1].Value);
        Assert.Equal(3_000, batch.Latest);
    }

    [Fact]
    public void Add_MaxEntries_SaysFullClearEmpties()
    {
        var batch = new EntryBatch(Network, StateKind.Peer);
        for (int i = 1; i < EntryBatch.MaxEntries; i++)
        {
            Assert.False(batch.Add(Key(i % 250), [10, 0, (byte)(i >> 8), (byte)i, 0, 80], false, false, i));
        }

        Assert.True(batch.Add(Key(0), [1, 2, 3, 4, 5, 6], false, false, 0));

        batch.Clear();
        Assert.Equal(0, batch.Count);
        Assert.True(batch.Packed.IsEmpty);
        Assert.Equal(long.MinValue, batch.Expires);
        Assert.Equal(EntryBatch.MaxEntries - 1, batch.Latest);
    }

    [Fact]
    public void Add_64KiBOfItems_SaysFullBeforeMaxEntries()
    {
        var batch = new EntryBatch(Network, StateKind.Item);
        byte[] item = new byte[1_000];
        int added = 1;
        while (!batch.Add(Key(added), item, false, false, added))
        {
            added++;
        }

        // 1,000 bytes, a 20-byte target and a 12-byte header an entry: the 64th passes 64 KiB.
        Assert.Equal(64, added);
        Assert.True(batch.Packed.Length >= 64 * 1024);
    }

    [Fact]
    public void MaxValueLength_PeerAndItem_OneAndTwoByteLengths()
    {
        Assert.Equal(255, EntryBatch.MaxValueLength(StateKind.Peer));
        Assert.Equal(65_535, EntryBatch.MaxValueLength(StateKind.Item));
        Assert.Throws<ArgumentOutOfRangeException>(() => new EntryBatch(Network, StateKind.Contact));
    }

    public static TheoryData<string, int> CutOffsets()
    {
        var offsets = new TheoryData<string, int>();
        foreach (StateKind kind in new[] { StateKind.Peer, StateKind.Item })
        {
            for (int i = 0; i <= Packed(kind).Length; i++)
            {
                offsets.Add(kind.ToString(), i);
            }
        }

        return offsets;
    }

    [Theory]
    [MemberData(nameof(CutOffsets))]
    public void Unpack_RowCutAtAnyOffset_WholeEntriesBeforeTheCutOnly(string kindName, int offset)
    {
        var kind = Enum.Parse<StateKind>(kindName);
        byte[] packed = Packed(kind);

        var read = Read(kind, packed.AsSpan(0, offset));

        // Peers: 11 + 20 + 6 bytes (IPv4), then 11 + 20 + 18 (IPv6). Items: 12 + 20 + 300, then 12 + 20 + 0.
        (int first, int second) = kind == StateKind.Peer ? (37, 37 + 49) : (332, 332 + 32);
        int whole = offset < first ? 0 : offset < second ? 1 : 2;
        Assert.Equal(whole, read.Count);
        Assert.Equal(packed.Length, second);
    }

    private static byte[] Packed(StateKind kind)
    {
        var batch = new EntryBatch(Network, kind);
        if (kind == StateKind.Peer)
        {
            batch.Add(Key(1), [10, 0, 0, 1, 0x1A, 0xE1], false, false, 1);
            batch.Add(Key(2), new byte[18], true, false, 2);
        }
        else
        {
            batch.Add(Key(1), new byte[300], false, false, 1);
            batch.Add(Key(2), [], false, true, 2);
        }

        return batch.Packed.ToArray();
    }

    private static List<(byte[] Key, byte[] Value, bool Seed, bool Removed, long Expires)> Read(StateKind kind, ReadOnlySpan<byte> packed)
    {
        var read = new List<(byte[] Key, byte[] Value, bool Seed, bool Removed, long Expires)>();
        EntryBatch.Unpack(kind, packed, (seed, removed, expires, key, value) => read.Add((key.ToArray(), value.ToArray(), seed, removed, expires)));
        return read;
    }

    private static byte[] Key(int value)
    {
        byte[] key = new byte[20];
        key[0] = (byte)value;
        return key;
    }
}
