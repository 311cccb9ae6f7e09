using System.Buffers;
using System.Text;

namespace DhtNet.Tests.Security;

public class Bep44Tests
{
    // BEP 44 "Test Vectors": both mutable items share the value, seq, and key.
    private const string VectorPublicKey = "77ff84905a91936367c01360803104f92432fcd904a43511876df5cdf3e7e548";
    private const string VectorValue = "12:Hello World!";
    private const long VectorSequence = 1;

    // The salt names the vector: "" is test 1 (mutable), "foobar" is test 2 (mutable with salt).
    private static MutableVector Vector(string salt) => salt switch
    {
        "" => new(
            "3:seqi1e1:v12:Hello World!",
            "4a533d47ec9c7d95b1ad75f576cffc641853b750",
            "305ac8aeb6c9c151fa120f120ea2cfb923564e11552d06a5d856091e5e853cff" +
            "1260d3f39e4999684aa92eb73ffd136e6f4f3ecbfda0ce53a1608ecd7ae21f01"),
        "foobar" => new(
            "4:salt6:foobar3:seqi1e1:v12:Hello World!",
            "411eba73b6f087ca51a3795d9c8c938d365e32c1",
            "6834284b6b24c3204eb2fea824d82f88883a3d95e8b4a21b8c0ded553d17d17d" +
            "df9a8a7104b1258f30bed3787e6cb896fca78c58f8e03b5f18f14951a87d9a08"),
        _ => throw new ArgumentOutOfRangeException(nameof(salt)),
    };

    [Theory]
    [InlineData("")]
    [InlineData("foobar")]
    public void WriteSignatureBuffer_BepVector_MatchesPublishedBuffer(string salt)
    {
        var vector = Vector(salt);
        Span<byte> buffer = stackalloc byte[ItemRules.MaxSignatureBufferSize];

        int written = ItemRules.WriteSignatureBuffer(buffer, Bytes(salt), VectorSequence, Bytes(VectorValue));

        Assert.Equal(vector.Buffer, Encoding.ASCII.GetString(buffer[..written]));
        Assert.Equal(written, ItemRules.GetSignatureBufferSize(Bytes(salt), VectorSequence, Bytes(VectorValue).Length));
    }

    [Theory]
    [InlineData("")]
    [InlineData("foobar")]
    public void WriteSignatureBuffer_BufferWriter_MatchesSpanOverload(string salt)
    {
        var vector = Vector(salt);
        var output = new ArrayBufferWriter<byte>();
        output.Write("prefix"u8);

        ItemRules.WriteSignatureBuffer(output, Bytes(salt), VectorSequence, Bytes(VectorValue));

        Assert.Equal("prefix" + vector.Buffer, Encoding.ASCII.GetString(output.WrittenSpan));
    }

    [Theory]
    [InlineData("")]
    [InlineData("foobar")]
    public void MutableTarget_BepVector_MatchesPublishedTarget(string salt)
    {
        var vector = Vector(salt);

        Assert.Equal(NodeId.Parse(vector.Target), ItemRules.MutableTarget(Convert.FromHexString(VectorPublicKey), Bytes(salt)));
    }

    [Theory]
    [InlineData("")]
    [InlineData("foobar")]
    public void VerifySignature_PublishedSignature_Verifies(string salt)
    {
        var vector = Vector(salt);

        Assert.True(ItemRules.VerifySignature(
            Convert.FromHexString(VectorPublicKey), Bytes(salt), VectorSequence, Bytes(VectorValue), Convert.FromHexString(vector.Signature)));
    }

    [Theory]
    [InlineData("")]
    [InlineData("foobar")]
    public void VerifySignature_OneBitFlippedAnywhere_Fails(string salt)
    {
        var vector = Vector(salt);
        byte[] publicKey = Convert.FromHexString(VectorPublicKey);
        byte[] sig = Convert.FromHexString(vector.Signature);
        byte[] value = Bytes(VectorValue);

        // Every bit of the signature, the key and the signed buffer matters.
        for (int bit = 0; bit < sig.Length * 8; bit++)
        {
            Assert.False(ItemRules.VerifySignature(publicKey, Bytes(salt), VectorSequence, value, Flip(sig, bit)), $"signature bit {bit}");
        }

        for (int bit = 0; bit < publicKey.Length * 8; bit++)
        {
            Assert.False(ItemRules.VerifySignature(Flip(publicKey, bit), Bytes(salt), VectorSequence, value, sig), $"key bit {bit}");
        }

        byte[] buffer = Bytes(vector.Buffer);
        for (int bit = 0; bit < buffer.Length * 8; bit++)
        {
            Assert.False(Ed25519KeyPair.Verify(publicKey, Flip(buffer, bit), sig), $"buffer bit {bit}");
        }

        Assert.False(ItemRules.VerifySignature(publicKey, Bytes(salt), VectorSequence + 1, value, sig));
        Assert.False(ItemRules.VerifySignature(publicKey, Bytes(salt + "x"), VectorSequence, value, sig));
    }

    [Fact]
    public void ImmutableTarget_BepVector_MatchesPublishedTarget()
    {
        Assert.Equal(NodeId.Parse("e5f96f6f38320f0f33959cb4d3d656452117aadb"), ItemRules.ImmutableTarget(Bytes(VectorValue)));
    }

    [Fact]
    public void MutableTarget_EmptySaltOrNone_IsSha1OfKey()
    {
        byte[] publicKey = Convert.FromHexString(VectorPublicKey);

        Assert.Equal(NodeId.Sha1(publicKey), ItemRules.MutableTarget(publicKey));
        Assert.Equal(NodeId.Sha1(publicKey), ItemRules.MutableTarget(publicKey, ReadOnlySpan<byte>.Empty));
    }

    [Fact]
    public void MutableTarget_LongestSalt_HashesKeyThenSalt()
    {
        byte[] publicKey = Convert.FromHexString(VectorPublicKey);
        byte[] salt = Enumerable.Range(0, ItemRules.MaxSaltSize).Select(i => (byte)(i * 7)).ToArray();

        Assert.Equal(NodeId.Sha1([.. publicKey, .. salt]), ItemRules.MutableTarget(publicKey, salt));
    }

    [Theory]
    [InlineData(31, 0)]
    [InlineData(33, 0)]
    [InlineData(32, ItemRules.MaxSaltSize + 1)]
    public void MutableTarget_BadKeyOrSaltLength_Throws(int keyLength, int saltLength)
    {
        Assert.Throws<ArgumentException>(() => ItemRules.MutableTarget(new byte[keyLength], new byte[saltLength]));
    }

    [Theory]
    [InlineData(0L, "3:seqi0e1:v")]
    [InlineData(-1L, "3:seqi-1e1:v")]
    [InlineData(long.MaxValue, "3:seqi9223372036854775807e1:v")]
    [InlineData(long.MinValue, "3:seqi-9223372036854775808e1:v")]
    public void WriteSignatureBuffer_ExtremeSequenceNumbers_WritesPlainDecimal(long sequence, string expectedPrefix)
    {
        byte[] value = Bytes("i7e");
        Span<byte> buffer = stackalloc byte[ItemRules.MaxSignatureBufferSize];

        int written = ItemRules.WriteSignatureBuffer(buffer, default, sequence, value);

        Assert.Equal(expectedPrefix + "i7e", Encoding.ASCII.GetString(buffer[..written]));
        Assert.Equal(written, ItemRules.GetSignatureBufferSize(default, sequence, value.Length));
    }

    [Fact]
    public void WriteSignatureBuffer_LargestFields_FitsMaxBufferSizeExactly()
    {
        byte[] salt = new byte[ItemRules.MaxSaltSize];
        byte[] value = new byte[ItemRules.MaxValueSize];
        var output = new ArrayBufferWriter<byte>();

        ItemRules.WriteSignatureBuffer(output, salt, long.MinValue, value);

        Assert.Equal(ItemRules.MaxSignatureBufferSize, output.WrittenCount);
    }

    [Theory]
    [InlineData(ItemRules.MaxSaltSize + 1, 3)]
    [InlineData(0, ItemRules.MaxValueSize + 1)]
    [InlineData(0, 0)]
    public void WriteSignatureBuffer_OverLimits_Throws(int saltLength, int valueLength)
    {
        var output = new ArrayBufferWriter<byte>();

        Assert.Throws<ArgumentException>(() => ItemRules.WriteSignatureBuffer(output, new byte[saltLength], 1, new byte[valueLength]));
        Assert.Equal(0, output.WrittenCount);
    }

    [Fact]
    public void WriteSignatureBuffer_DestinationOneByteShort_Throws()
    {
        byte[] value = Bytes(VectorValue);
        byte[] destination = new byte["3:seqi1e1:v12:Hello World!".Length - 1];

        Assert.Throws<ArgumentException>(() => ItemRules.WriteSignatureBuffer(destination, default, 1, value));
    }

    [Theory]
    [InlineData(32, 64, 0, 15)]
    [InlineData(31, 64, 0, 15)]
    [InlineData(32, 63, 0, 15)]
    [InlineData(32, 64, ItemRules.MaxSaltSize + 1, 15)]
    [InlineData(32, 64, 0, ItemRules.MaxValueSize + 1)]
    [InlineData(32, 64, 0, 0)]
    public void VerifySignature_MalformedFields_ReturnsFalse(int keyLength, int signatureLength, int saltLength, int valueLength)
    {
        Assert.False(ItemRules.VerifySignature(new byte[keyLength], new byte[saltLength], 1, new byte[valueLength], new byte[signatureLength]));
    }

    [Fact]
    public void Sign_RandomItems_VerifyAndBindEveryField()
    {
        var random = new Random(44);
        for (int i = 0; i < 20; i++)
        {
            byte[] seed = new byte[Ed25519KeyPair.SeedSize];
            random.NextBytes(seed);
            var keyPair = Ed25519KeyPair.FromSeed(seed);
            byte[] salt = new byte[random.Next(0, ItemRules.MaxSaltSize + 1)];
            random.NextBytes(salt);
            byte[] payload = RandomBytes(random, random.Next(1, 900));
            byte[] value = [.. Bytes($"{payload.Length}:"), .. payload];
            long sequence = random.NextInt64(long.MinValue, long.MaxValue);

            byte[] signature = ItemRules.Sign(keyPair, salt, sequence, value);

            byte[] publicKey = keyPair.PublicKey.ToArray();
            Assert.True(ItemRules.VerifySignature(publicKey, salt, sequence, value, signature));
            Assert.False(ItemRules.VerifySignature(publicKey, salt, sequence ^ 1, value, signature));
            Assert.False(ItemRules.VerifySignature(publicKey, [.. salt, 0], sequence, value, signature));
            Assert.False(ItemRules.VerifySignature(publicKey, salt, sequence, Flip(value, random.Next(value.Length * 8)), signature));
        }
    }

    private static byte[] RandomBytes(Random random, int length)
    {
        byte[] bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    private static byte[] Bytes(string text) => Encoding.ASCII.GetBytes(text);

    private sealed record MutableVector(string Buffer, string Target, string Signature);

    private static byte[] Flip(byte[] bytes, int bit)
    {
        byte[] copy = (byte[])bytes.Clone();
        copy[bit / 8] ^= (byte)(0x80 >> (bit % 8));
        return copy;
    }
}
