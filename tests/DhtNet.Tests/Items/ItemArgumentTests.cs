using System.Text;

namespace DhtNet.Tests.Items;

/// <summary>What the BEP 44 operations refuse before sending anything.</summary>
public sealed class ItemArgumentTests : IAsyncDisposable
{
    private readonly InMemoryNetwork _network = new(new VirtualTimeProvider());
    private readonly DhtNode _node;

    public ItemArgumentTests()
    {
        _node = new DhtNode(_network.CreateTransport(), new DhtOptions { TimeProvider = _network.TimeProvider, BootstrapNodes = [] });
    }

    public static TheoryData<string> NotOneCanonicalValue => new()
    {
        "i01e",          // leading zero
        "i-0e",          // negative zero
        "d1:b0:1:a0:e",  // keys out of order
        "1:a1:b",        // two values
        "3:ab",          // truncated
        "x",             // not bencode
    };

    [Theory]
    [MemberData(nameof(NotOneCanonicalValue))]
    public async Task PutAsync_ValueNotOneCanonicalBencodedValue_ThrowsNamingTheArgument(string value)
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(() => _node.PutAsync(Encoding.ASCII.GetBytes(value)));
        Assert.Equal("bencodedValue", error.ParamName);
        error = await Assert.ThrowsAsync<ArgumentException>(() => _node.PutAsync(Ed25519KeyPair.Generate(), Encoding.ASCII.GetBytes(value)));
        Assert.Equal("bencodedValue", error.ParamName);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1001)]
    public async Task PutAsync_ValueSizeOutside1To1000_ThrowsNamingTheArgument(int length)
    {
        byte[] value = length == 0 ? [] : ItemValues.StringOfLength(length);
        var error = await Assert.ThrowsAsync<ArgumentException>(() => _node.PutAsync(value));
        Assert.Equal("bencodedValue", error.ParamName);
    }

    [Fact]
    public async Task PutAsync_SaltOver64Bytes_ThrowsNamingTheArgument()
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(() => _node.PutAsync(Ed25519KeyPair.Generate(), ItemValues.Text("v"), new byte[65]));
        Assert.Equal("salt", error.ParamName);
        error = await Assert.ThrowsAsync<ArgumentException>(() => _node.GetAsync(NodeId.Zero, new byte[65]));
        Assert.Equal("salt", error.ParamName);
    }

    [Fact]
    public async Task PutAsync_KeyOver64Utf8Bytes_ThrowsNamingTheArgument()
    {
        string key = new('é', 33); // 66 bytes of UTF-8
        var error = await Assert.ThrowsAsync<ArgumentException>(() => _node.PutAsync(key, ItemValues.Text("v")));
        Assert.Equal("key", error.ParamName);
        error = await Assert.ThrowsAsync<ArgumentException>(() => _node.GetAsync(key));
        Assert.Equal("key", error.ParamName);
    }

    [Fact]
    public async Task PutSignedAsync_TamperedItem_Throws()
    {
        var item = MutableItem.Create(Ed25519KeyPair.Generate(), ItemValues.Text("signed"), 3);
        Assert.True(item.VerifySignature());
        var tampered = item with { Sequence = 4 };
        Assert.False(tampered.VerifySignature());
        var error = await Assert.ThrowsAsync<ArgumentException>(() => _node.PutSignedAsync(tampered));
        Assert.Equal("item", error.ParamName);
    }

    [Fact]
    public async Task PutAsync_BeforeStart_ThrowsInvalidOperation()
    {
        await Assert.ThrowsAsync<InvalidOperationException>(() => _node.PutAsync(ItemValues.Text("v")));
    }

    [Fact]
    public void IdentityKey_FromOptions_IsUsedAndStable()
    {
        var key = Ed25519KeyPair.Generate();
        var node = new DhtNode(_network.CreateTransport(), new DhtOptions { TimeProvider = _network.TimeProvider, IdentityKey = key });
        Assert.Same(key, node.IdentityKey);
        Assert.Same(_node.IdentityKey, _node.IdentityKey);
        Assert.NotEqual(key.PublicKey.ToArray(), _node.IdentityKey.PublicKey.ToArray());
    }

    public async ValueTask DisposeAsync()
    {
        await _node.DisposeAsync();
        _network.Dispose();
    }
}
