using System.Text;

namespace DhtNet.Tests.Storage;

public class ItemStoreTests
{
    private static readonly byte[] Key = Convert.FromHexString("77ff84905a91936367c01360803104f92432fcd904a43511876df5cdf3e7e548");
    private static readonly byte[] Sig = new byte[ItemRules.SignatureSize];
    private static readonly byte[] Hello = Encoding.ASCII.GetBytes("12:Hello World!");
    private static readonly byte[] Other = Encoding.ASCII.GetBytes("5:other");

    // BEP 44 "Test Vectors": test 1 (no salt) and test 2 (salt "foobar").
    [Theory]
    [InlineData("77ff84905a91936367c01360803104f92432fcd904a43511876df5cdf3e7e548", "", "4a533d47ec9c7d95b1ad75f576cffc641853b750")]
    [InlineData("77ff84905a91936367c01360803104f92432fcd904a43511876df5cdf3e7e548", "foobar", "411eba73b6f087ca51a3795d9c8c938d365e32c1")]
    public void MutableTarget_Bep44Vectors_MatchesTarget(string keyHex, string salt, string target)
    {
        Assert.Equal(NodeId.Parse(target), ItemRules.MutableTarget(Convert.FromHexString(keyHex), Encoding.ASCII.GetBytes(salt)));

        var store = new ItemStore(new VirtualTimeProvider());
        var result = store.PutMutable(Convert.FromHexString(keyHex), Encoding.ASCII.GetBytes(salt), 1, Sig, Hello);
        Assert.Equal(NodeId.Parse(target), result.Target);
    }

    // BEP 44 "Test Vectors": test 3 (immutable).
    [Theory]
    [InlineData("12:Hello World!", "e5f96f6f38320f0f33959cb4d3d656452117aadb")]
    public void PutImmutable_Bep44Vector_StoredUnderSha1OfValue(string value, string target)
    {
        var store = new ItemStore(new VirtualTimeProvider());

        var result = store.PutImmutable(Encoding.ASCII.GetBytes(value));

        Assert.Equal(ItemPutStatus.Stored, result.Status);
        Assert.Equal(NodeId.Parse(target), result.Target);
        var got = store.Get(NodeId.Parse(target));
        Assert.True(got.Found);
        Assert.True(got.IncludeValue);
        Assert.False(got.Item!.IsMutable);
        Assert.Equal(value, Encoding.ASCII.GetString(got.Item.Value.Span));
        Assert.True(got.Item.PublicKey.IsEmpty);
        Assert.True(got.Item.Signature.IsEmpty);
    }

    [Fact]
    public void PutImmutable_MutableItemOnTheSameTarget_ReplacesItInsteadOfThrowing()
    {
        // A key whose bytes, with the salt, are themselves bencode: k + salt = "34:" + 34 bytes.
        byte[] value = Encoding.ASCII.GetBytes("34:" + new string('x', 34));
        byte[] key = value[..ItemRules.PublicKeySize];
        byte[] salt = value[ItemRules.PublicKeySize..];
        var store = new ItemStore(new VirtualTimeProvider());
        Assert.True(store.PutMutable(key, salt, 1, Sig, Other).IsSuccess);

        var put = store.PutImmutable(value);

        Assert.Equal(ItemPutStatus.Stored, put.Status);
        Assert.Equal(ItemRules.MutableTarget(key, salt), put.Target);
        var stored = store.Get(put.Target).Item;
        Assert.False(stored!.IsMutable);
        Assert.Equal(1, store.Count);
    }

    [Fact]
    public void PutImmutable_TooBig_Error205AndNothingStored()
    {
        var store = new ItemStore(new VirtualTimeProvider());
        var value = Encoding.ASCII.GetBytes("1000:" + new string('x', 1000));

        var result = store.PutImmutable(value);

        Assert.False(result.IsSuccess);
        Assert.Equal(205, result.ErrorCode);
        Assert.Equal(0, store.Count);
        Assert.True(store.PutImmutable(value.AsSpan(0, 1000)).IsSuccess);
    }

    [Fact]
    public void PutMutable_ThenGet_ReturnsAllFieldsRaw()
    {
        var store = new ItemStore(new VirtualTimeProvider());
        var sig = Enumerable.Range(0, 64).Select(i => (byte)i).ToArray();
        var salt = Encoding.ASCII.GetBytes("foobar");

        var put = store.PutMutable(Key, salt, 7, sig, Hello);
        var got = store.Get(put.Target);

        Assert.Equal(ItemPutStatus.Stored, put.Status);
        Assert.True(got.Item!.IsMutable);
        Assert.Equal(7, got.Item.Sequence);
        Assert.Equal(Key, got.Item.PublicKey.ToArray());
        Assert.Equal(sig, got.Item.Signature.ToArray());
        Assert.Equal(salt, got.Item.Salt.ToArray());
        Assert.Equal(Hello, got.Item.Value.ToArray());
    }

    [Fact]
    public void PutMutable_LowerSeq_Error302()
    {
        var store = new ItemStore(new VirtualTimeProvider());
        store.PutMutable(Key, [], 5, Sig, Hello);

        var result = store.PutMutable(Key, [], 4, Sig, Other);

        Assert.Equal(ItemPutStatus.SequenceTooLow, result.Status);
        Assert.Equal(302, result.ErrorCode);
        Assert.Equal(Hello, store.Get(result.Target).Item!.Value.ToArray());
    }

    [Fact]
    public void PutMutable_EqualSeqDifferentValue_Error302AndKeepsStored()
    {
        var store = new ItemStore(new VirtualTimeProvider());
        store.PutMutable(Key, [], 5, Sig, Hello);

        var result = store.PutMutable(Key, [], 5, Sig, Other);

        Assert.Equal(ItemPutStatus.SequenceNotNewer, result.Status);
        Assert.Equal(302, result.ErrorCode);
        Assert.NotNull(result.ErrorMessage);
        Assert.Equal(Hello, store.Get(result.Target).Item!.Value.ToArray());
    }

    [Fact]
    public void PutMutable_HigherSeq_Replaces()
    {
        var store = new ItemStore(new VirtualTimeProvider());
        store.PutMutable(Key, [], 5, Sig, Hello);

        var result = store.PutMutable(Key, [], 6, Sig, Other);

        Assert.Equal(ItemPutStatus.Updated, result.Status);
        Assert.Equal(0, result.ErrorCode);
        Assert.Equal(Other, store.Get(result.Target).Item!.Value.ToArray());
        Assert.Equal(1, store.Count);
    }

    [Fact]
    public void PutMutable_CasMismatch_Error301()
    {
        var store = new ItemStore(new VirtualTimeProvider());
        store.PutMutable(Key, [], 5, Sig, Hello);

        var mismatch = store.PutMutable(Key, [], 6, Sig, Other, cas: 4);
        var match = store.PutMutable(Key, [], 6, Sig, Other, cas: 5);

        Assert.Equal(ItemPutStatus.CasMismatch, mismatch.Status);
        Assert.Equal(301, mismatch.ErrorCode);
        Assert.Equal(ItemPutStatus.Updated, match.Status);
        Assert.Equal(6, store.Get(match.Target).Item!.Sequence);
    }

    [Fact]
    public void PutMutable_CasWithNothingStored_CasIgnoredAndStored()
    {
        var store = new ItemStore(new VirtualTimeProvider());

        var result = store.PutMutable(Key, [], 1, Sig, Hello, cas: 99);

        Assert.Equal(ItemPutStatus.Stored, result.Status);
    }

    [Fact]
    public void PutMutable_EqualSeqSameValue_RefreshesExpiry()
    {
        var clock = new VirtualTimeProvider();
        var store = new ItemStore(clock);
        var target = store.PutMutable(Key, [], 5, Sig, Hello).Target;

        clock.Advance(TimeSpan.FromMinutes(90));
        var again = store.PutMutable(Key, [], 5, Sig, Hello);
        clock.Advance(TimeSpan.FromMinutes(90));

        Assert.Equal(ItemPutStatus.Refreshed, again.Status);
        Assert.True(store.Get(target).Found);
        clock.Advance(TimeSpan.FromMinutes(30));
        Assert.False(store.Get(target).Found);
    }

    [Fact]
    public void Get_AfterTwoHours_Expired()
    {
        var clock = new VirtualTimeProvider();
        var store = new ItemStore(clock);
        var immutable = store.PutImmutable(Hello).Target;
        var mutable = store.PutMutable(Key, [], 1, Sig, Hello).Target;

        clock.Advance(TimeSpan.FromHours(2) - TimeSpan.FromSeconds(1));
        Assert.True(store.Get(immutable).Found);
        Assert.True(store.Get(mutable).Found);

        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.False(store.Get(immutable).Found);
        Assert.False(store.Get(mutable).Found);
        Assert.Equal(0, store.Count);
        Assert.Equal(0, store.EstimatedBytes);
    }

    [Fact]
    public void Purge_ExpiredItems_RemovedAndCounted()
    {
        var clock = new VirtualTimeProvider();
        var store = new ItemStore(clock);
        store.PutImmutable(Hello);
        clock.Advance(TimeSpan.FromHours(1));
        store.PutImmutable(Other);
        clock.Advance(TimeSpan.FromHours(1));

        Assert.Equal(1, store.Purge());
        Assert.Equal(1, store.Count);
    }

    // The item is stored with seq 5; BEP 44 sends k, v and sig only when the stored seq is greater.
    [Theory]
    [InlineData(4, true)]
    [InlineData(5, false)]
    [InlineData(6, false)]
    public void Get_WithSeq_IncludesValueOnlyWhenStoredIsNewer(long requestSeq, bool includeValue)
    {
        var store = new ItemStore(new VirtualTimeProvider());
        var target = store.PutMutable(Key, [], 5, Sig, Hello).Target;

        var got = store.Get(target, requestSeq);

        Assert.True(got.Found);
        Assert.Equal(5, got.Item!.Sequence);
        Assert.Equal(includeValue, got.IncludeValue);
        Assert.True(store.Get(target).IncludeValue);
    }

    [Fact]
    public void Get_ImmutableWithSeq_IncludesValue()
    {
        var store = new ItemStore(new VirtualTimeProvider());
        var target = store.PutImmutable(Hello).Target;

        Assert.True(store.Get(target, long.MaxValue).IncludeValue);
    }

    [Fact]
    public void PutMutable_CountBound_EvictsLeastRecentlyPut()
    {
        var clock = new VirtualTimeProvider();
        var store = new ItemStore(new ItemStoreOptions { MaxItems = 3 }, clock);
        var targets = new List<NodeId>();
        for (int i = 0; i < 3; i++)
        {
            targets.Add(store.PutMutable(Key, [(byte)i], 1, Sig, Hello).Target);
            clock.Advance(TimeSpan.FromSeconds(1));
        }

        store.PutMutable(Key, [0], 1, Sig, Hello); // refreshes the first, so the second is now oldest
        var fourth = store.PutMutable(Key, [3], 1, Sig, Hello).Target;

        Assert.Equal(3, store.Count);
        Assert.True(store.Get(targets[0]).Found);
        Assert.False(store.Get(targets[1]).Found);
        Assert.True(store.Get(targets[2]).Found);
        Assert.True(store.Get(fourth).Found);
    }

    [Fact]
    public void PutImmutable_ByteBound_EstimateStaysUnderAndOldestGoes()
    {
        var options = new ItemStoreOptions { MaxBytes = 10_000 };
        var store = new ItemStore(options, new VirtualTimeProvider());
        var first = store.PutImmutable(Value(0)).Target;

        for (int i = 1; i < 100; i++)
        {
            Assert.True(store.PutImmutable(Value(i)).IsSuccess);
            Assert.InRange(store.EstimatedBytes, 1, options.MaxBytes);
        }

        Assert.InRange(store.Count, 5, 9);
        Assert.False(store.Get(first).Found);
        Assert.True(store.Get(NodeId.Sha1(Value(99))).Found);

        static byte[] Value(int i) => Encoding.ASCII.GetBytes($"995:{i:D4}" + new string('x', 991));
    }

    [Fact]
    public void PutMutable_BadSizes_ErrorCodes()
    {
        var store = new ItemStore(new VirtualTimeProvider());

        Assert.Equal(207, store.PutMutable(Key, new byte[65], 1, Sig, Hello).ErrorCode);
        Assert.Equal(203, store.PutMutable(Key.AsSpan(1), [], 1, Sig, Hello).ErrorCode);
        Assert.Equal(203, store.PutMutable(Key, [], 1, Sig.AsSpan(1), Hello).ErrorCode);
        Assert.Equal(205, store.PutMutable(Key, [], 1, Sig, new byte[1001]).ErrorCode);
        Assert.True(store.PutMutable(Key, new byte[64], 1, Sig, new byte[1000]).IsSuccess);
        Assert.Equal(1, store.Count);
    }
}
