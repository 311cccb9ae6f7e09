namespace DhtNet.Tests.Persistence;

/// <summary>Peers packed many to a row (the SQLite store's format 3), and rows cut short.</summary>
public sealed class PeerBatchTests
{
    private const string Network = "mainline";

    [Fact]
    public void Unpack_PackedPeers_LaterRecordOfAKeyWinsRemovalAsNull()
    {
        var batch = new PeerBatch(Network);
        batch.Add(Key(1), [10, 0, 0, 1, 0x1A, 0xE1], seed: true, removed: false, 1_000);
        batch.Add(Key(2), [10, 0, 0, 2, 0x1A, 0xE1], seed: false, removed: false, 2_000);
        batch.Add(Key(1), [10, 0, 0, 1, 0x1A, 0xE1], seed: false, removed: false, 3_000);
        batch.Add(Key(2), [10, 0, 0, 2, 0x1A, 0xE1], seed: false, removed: true, 4_000);
        var latest = new Dictionary<StateKey, SavedPeer?>();

        PeerBatch.Unpack(Network, batch.Packed, latest);

        Assert.Equal(2, latest.Count);
        SavedPeer first = Assert.Single(latest.Values, p => p is not null)!;
        Assert.Equal(Key(1), first.InfoHash);
        Assert.False(first.Seed);
        Assert.Equal(3_000, first.Expires.ToUnixTimeMilliseconds());
        Assert.Equal(4_000, batch.Expires);
        Assert.Equal(4, batch.Count);
    }

    [Fact]
    public void Add_MaxPeers_SaysFullClearEmpties()
    {
        var batch = new PeerBatch(Network);
        for (int i = 1; i < PeerBatch.MaxPeers; i++)
        {
            Assert.False(batch.Add(Key(i % 250), [10, 0, (byte)(i >> 8), (byte)i, 0, 80], false, false, i));
        }

        Assert.True(batch.Add(Key(0), [1, 2, 3, 4, 5, 6], false, false, 0));

        batch.Clear();
        Assert.Equal(0, batch.Count);
        Assert.True(batch.Packed.IsEmpty);
        Assert.Equal(long.MinValue, batch.Expires);
        Assert.Equal(PeerBatch.MaxPeers - 1, batch.Latest);
    }

    public static TheoryData<int> CutOffsets()
    {
        var offsets = new TheoryData<int>();
        for (int i = 0; i <= Packed().Length; i++)
        {
            offsets.Add(i);
        }

        return offsets;
    }

    [Theory]
    [MemberData(nameof(CutOffsets))]
    public void Unpack_RowCutAtAnyOffset_WholeRecordsBeforeTheCutOnly(int offset)
    {
        byte[] packed = Packed();
        var latest = new Dictionary<StateKey, SavedPeer?>();

        PeerBatch.Unpack(Network, packed.AsSpan(0, offset), latest);

        // Records of 11 + 20 + 6 bytes (IPv4), then 11 + 20 + 18 (IPv6).
        int whole = offset < 37 ? 0 : offset < 37 + 49 ? 1 : 2;
        Assert.Equal(whole, latest.Count);
    }

    private static byte[] Packed()
    {
        var batch = new PeerBatch(Network);
        batch.Add(Key(1), [10, 0, 0, 1, 0x1A, 0xE1], false, false, 1);
        batch.Add(Key(2), new byte[18], true, false, 2);
        return batch.Packed.ToArray();
    }

    private static byte[] Key(int value)
    {
        byte[] key = new byte[20];
        key[0] = (byte)value;
        return key;
    }
}
