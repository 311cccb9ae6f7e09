using System.Text;
using DhtNet.Interop.Tests.Harness;

namespace DhtNet.Interop.Tests;

public class ItemTests
{
    private static readonly byte[] Seed = Convert.FromHexString("a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90");

    [Fact]
    public async Task GetImmutable_ByLibtorrent_ReturnsBittorrentDhtPut()
    {
        byte[] value = Encoding.UTF8.GetBytes("stored by bittorrent-dht");
        await using var libtorrent = await LibtorrentPeer.StartAsync();
        await using var bittorrentDht = await BittorrentDhtPeer.StartAsync(bootstrap: [libtorrent.EndPoint]);
        Assert.True(await libtorrent.AddNodeAsync(bittorrentDht.EndPoint));

        var put = await bittorrentDht.PutImmutableAsync(value);
        var item = await libtorrent.GetImmutableAsync(put.Target);

        Assert.Equal(ItemRules.ImmutableTarget(new BencodeString(value).Encode()), put.Target);
        Assert.True(put.Nodes >= 1, $"stored on {put.Nodes} nodes");
        Assert.NotNull(item);
        Assert.Equal(value, item.Value);
    }

    [Fact]
    public async Task GetImmutable_ByBittorrentDht_ReturnsLibtorrentPutOfStructuredValue()
    {
        var value = new BencodeList([
            new BencodeInteger(-42),
            new BencodeString("text"),
            new BencodeDictionary([new KeyValuePair<byte[], BencodeValue>("k"u8.ToArray(), new BencodeString([0, 255, 7]))]),
        ]);
        await using var bittorrentDht = await BittorrentDhtPeer.StartAsync();
        await using var libtorrent = await LibtorrentPeer.StartAsync(bootstrap: [bittorrentDht.EndPoint]);

        var put = await libtorrent.PutImmutableAsync(value);
        var item = await bittorrentDht.GetAsync(put.Target);

        Assert.Equal(ItemRules.ImmutableTarget(value.Encode()), put.Target);
        Assert.NotNull(item);
        Assert.Equal(value, BencodeValue.Parse(item.EncodedValue));
        Assert.Null(item.Value);
    }

    [Fact]
    public async Task GetImmutable_NothingStored_ReturnsNullFromBoth()
    {
        var target = NodeId.Random();
        await using var libtorrent = await LibtorrentPeer.StartAsync();
        await using var bittorrentDht = await BittorrentDhtPeer.StartAsync(bootstrap: [libtorrent.EndPoint]);
        Assert.True(await libtorrent.AddNodeAsync(bittorrentDht.EndPoint));

        Assert.Null(await libtorrent.GetImmutableAsync(target));
        Assert.Null(await bittorrentDht.GetAsync(target));
    }

    [Fact]
    public async Task GetMutable_ByLibtorrent_ReturnsBittorrentDhtPutWithSaltSequenceAndSignature()
    {
        byte[] value = Encoding.UTF8.GetBytes("mutable from javascript");
        byte[] salt = Encoding.UTF8.GetBytes("salt");
        byte[] publicKey = Ed25519KeyPair.FromSeed(Seed).PublicKey.ToArray();
        await using var libtorrent = await LibtorrentPeer.StartAsync();
        await using var bittorrentDht = await BittorrentDhtPeer.StartAsync(bootstrap: [libtorrent.EndPoint]);
        Assert.True(await libtorrent.AddNodeAsync(bittorrentDht.EndPoint));

        var put = await bittorrentDht.PutMutableAsync(Seed, value, sequence: 7, salt: salt);
        var item = await libtorrent.GetMutableAsync(publicKey, salt);

        Assert.Null(put.Error);
        Assert.Equal(publicKey, put.PublicKey);
        Assert.Equal(ItemRules.MutableTarget(publicKey, salt), put.Target);
        Assert.NotNull(item);
        Assert.Equal(value, item.Value);
        Assert.Equal(7, item.Sequence);
        Assert.Equal(publicKey, item.PublicKey);
        Assert.True(ItemRules.VerifySignature(publicKey, salt, 7, item.EncodedValue, item.Signature));
    }

    [Fact]
    public async Task GetMutable_ByBittorrentDht_ReturnsLibtorrentPutWithFirstSequence()
    {
        byte[] value = Encoding.UTF8.GetBytes("mutable from libtorrent");
        byte[] publicKey = Ed25519KeyPair.FromSeed(Seed).PublicKey.ToArray();
        await using var bittorrentDht = await BittorrentDhtPeer.StartAsync();
        await using var libtorrent = await LibtorrentPeer.StartAsync(bootstrap: [bittorrentDht.EndPoint]);

        var put = await libtorrent.PutMutableAsync(Seed, value);
        var item = await bittorrentDht.GetAsync(put.Target);

        // libtorrent derives the public key from the same seed as DhtNet and starts at seq 1.
        Assert.Equal(publicKey, put.PublicKey);
        Assert.Equal(1, put.Sequence);
        Assert.NotNull(item);
        Assert.Equal(value, item.Value);
        Assert.Equal(1, item.Sequence);
        Assert.Equal(put.Signature, item.Signature);
        Assert.True(ItemRules.VerifySignature(publicKey, default, 1, item.EncodedValue, item.Signature));
    }

    [Fact]
    public async Task PutMutable_LowerSequenceThanStored_RejectedByLibtorrent()
    {
        byte[] publicKey = Ed25519KeyPair.FromSeed(Seed).PublicKey.ToArray();
        await using var libtorrent = await LibtorrentPeer.StartAsync();
        await using var bittorrentDht = await BittorrentDhtPeer.StartAsync(bootstrap: [libtorrent.EndPoint]);

        var first = await bittorrentDht.PutMutableAsync(Seed, "newer"u8.ToArray(), sequence: 5);
        var second = await bittorrentDht.PutMutableAsync(Seed, "older"u8.ToArray(), sequence: 4);
        var item = await libtorrent.GetMutableAsync(publicKey);

        Assert.Null(first.Error);
        Assert.NotNull(second.Error);
        Assert.Contains("302", second.Error, StringComparison.Ordinal);
        Assert.NotNull(item);
        Assert.Equal(5, item.Sequence);
        Assert.Equal("newer"u8.ToArray(), item.Value);
    }
}
