namespace DhtNet.Tests.Ipfs.Blocks;

public class BlockStoreTests
{
    [Fact]
    public void Put_OverCountBound_EvictsLeastRecentlyUsed()
    {
        var store = new BlockStore(new BlockStoreOptions { MaxBlocks = 2, MaxBytes = 1024, MaxBlockSize = 64 });
        var a = UnixFs.AddFile("a"u8);
        var b = UnixFs.AddFile("b"u8);
        var c = UnixFs.AddFile("c"u8);
        store.Put(a);
        store.Put(b);
        Assert.NotNull(store.Get(a.Cid)); // a is now the most recent

        store.Put(c);

        Assert.Equal(2, store.Count);
        Assert.NotNull(store.Get(a.Cid));
        Assert.Null(store.Get(b.Cid));
        Assert.NotNull(store.Get(c.Cid));
    }

    [Fact]
    public void Put_OverByteBound_KeepsBytesUnderTheCap()
    {
        var store = new BlockStore(new BlockStoreOptions { MaxBlocks = 100, MaxBytes = 100, MaxBlockSize = 60 });

        for (int i = 0; i < 10; i++)
        {
            store.Put(UnixFs.AddFile(new byte[40 + i], rawLeaves: true));
        }

        Assert.InRange(store.Bytes, 1, 100);
        Assert.Equal(2, store.Count);
    }

    [Fact]
    public void Put_DataNotMatchingCid_Throws()
    {
        var store = new BlockStore();
        var block = UnixFs.AddFile("a"u8);

        Assert.Throws<ArgumentException>(() => store.Put(block.Cid, "b"u8));
        Assert.Equal(0, store.Count);
    }

    [Fact]
    public void Put_LargerThanMaxBlockSize_Throws()
    {
        var store = new BlockStore(new BlockStoreOptions { MaxBlocks = 10, MaxBytes = 1024, MaxBlockSize = 16 });

        Assert.Throws<ArgumentException>(() => store.Put(UnixFs.AddFile(new byte[17], rawLeaves: true)));
    }

    [Fact]
    public void Get_OtherCidVersionOfSameMultihash_FindsTheBlockUnderTheAskedCid()
    {
        var store = new BlockStore();
        var block = UnixFs.AddFile("hello"u8);
        store.Put(block);
        var v1 = Cid.CreateV1(Multicodec.DagPb, block.Cid.Multihash);

        var found = store.Get(v1);

        Assert.NotNull(found);
        Assert.Equal(v1, found.Cid);
        Assert.True(store.Has(block.Cid.Multihash));
    }
}
