using System.Text;

namespace DhtNet.Tests.Security;

public class Ed25519KeyPairTests
{
    // RFC 8032 section 7.1, TEST 1 (empty message) and TEST 2 (one byte 0x72): seed, public key, message, signature.
    [Theory]
    [InlineData(
        "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
        "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
        "",
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b")]
    [InlineData(
        "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
        "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
        "72",
        "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00")]
    public void Sign_Rfc8032Vector_MatchesPublishedKeyAndSignature(string seed, string publicKey, string message, string signature)
    {
        var keyPair = Ed25519KeyPair.FromSeed(Convert.FromHexString(seed));

        Assert.Equal(publicKey, Convert.ToHexStringLower(keyPair.PublicKey.Span));
        Assert.Equal(signature, Convert.ToHexStringLower(keyPair.Sign(Convert.FromHexString(message))));
        Assert.True(Ed25519KeyPair.Verify(Convert.FromHexString(publicKey), Convert.FromHexString(message), Convert.FromHexString(signature)));
    }

    [Fact]
    public void Sign_Bep44BufferFromSeed_MatchesOpenSsl()
    {
        // Cross-check with another implementation: OpenSSL 3 (through Python's cryptography package)
        // signed BEP 44 test 2's buffer with the seed 01 02 .. 20 and gave this key and signature.
        byte[] seed = Enumerable.Range(1, 32).Select(i => (byte)i).ToArray();
        byte[] buffer = Encoding.ASCII.GetBytes("4:salt6:foobar3:seqi1e1:v12:Hello World!");

        var keyPair = Ed25519KeyPair.FromSeed(seed);

        Assert.Equal("79b5562e8fe654f94078b112e8a98ba7901f853ae695bed7e0e3910bad049664", keyPair.ToString());
        Assert.Equal(
            "7a7adb9dcb2335ec205f6d8b2fb18bb6630a187261f9faee92be719331d6653d" +
            "f68056699f8f973f7a34a399b75ba4ec0731cedf33359bf7cdbd8f37ae03da00",
            Convert.ToHexStringLower(keyPair.Sign(buffer)));
    }

    [Fact]
    public void SignThenVerify_RandomMessages_RoundTripAndRejectTampering()
    {
        var random = new Random(25519);
        for (int i = 0; i < 50; i++)
        {
            byte[] seed = new byte[Ed25519KeyPair.SeedSize];
            random.NextBytes(seed);
            var keyPair = Ed25519KeyPair.FromSeed(seed);
            byte[] message = new byte[random.Next(0, 1200)];
            random.NextBytes(message);

            byte[] signature = keyPair.Sign(message);

            Assert.Equal(Ed25519KeyPair.SignatureSize, signature.Length);
            Assert.True(Ed25519KeyPair.Verify(keyPair.PublicKey.Span, message, signature));
            Assert.False(Ed25519KeyPair.Verify(keyPair.PublicKey.Span, [.. message, 0], signature));
            byte[] tampered = (byte[])signature.Clone();
            tampered[random.Next(tampered.Length)] ^= (byte)(1 << random.Next(8));
            Assert.False(Ed25519KeyPair.Verify(keyPair.PublicKey.Span, message, tampered));
        }
    }

    [Fact]
    public void Sign_IntoSpan_EqualsArrayOverload()
    {
        var keyPair = Ed25519KeyPair.FromSeed(new byte[32]);
        byte[] message = Encoding.ASCII.GetBytes("3:seqi1e1:v12:Hello World!");
        Span<byte> destination = stackalloc byte[Ed25519KeyPair.SignatureSize + 3];

        keyPair.Sign(message, destination);

        Assert.Equal(keyPair.Sign(message), destination[..Ed25519KeyPair.SignatureSize].ToArray());
        Assert.Throws<ArgumentException>(() => keyPair.Sign(message, new byte[Ed25519KeyPair.SignatureSize - 1]));
    }

    [Fact]
    public void Generate_TwoPairs_DifferAndEachSigns()
    {
        var first = Ed25519KeyPair.Generate();
        var second = Ed25519KeyPair.Generate();
        byte[] message = [1, 2, 3];

        Assert.NotEqual(first.PublicKey.ToArray(), second.PublicKey.ToArray());
        Assert.True(Ed25519KeyPair.Verify(first.PublicKey.Span, message, first.Sign(message)));
        Assert.False(Ed25519KeyPair.Verify(second.PublicKey.Span, message, first.Sign(message)));
    }

    [Fact]
    public void ExportSeed_FromSeed_RebuildsSamePair()
    {
        var keyPair = Ed25519KeyPair.Generate();

        var copy = Ed25519KeyPair.FromSeed(keyPair.ExportSeed());

        Assert.Equal(keyPair.PublicKey.ToArray(), copy.PublicKey.ToArray());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(31)]
    [InlineData(33)]
    [InlineData(64)]
    public void FromSeed_WrongLength_ThrowsNamingLength(int length)
    {
        var error = Assert.Throws<ArgumentException>(() => Ed25519KeyPair.FromSeed(new byte[length]));

        Assert.Contains($"got {length}", error.Message);
    }

    [Theory]
    [InlineData(0, 64)]
    [InlineData(31, 64)]
    [InlineData(33, 64)]
    [InlineData(32, 0)]
    [InlineData(32, 63)]
    [InlineData(32, 65)]
    public void Verify_WrongLengths_ReturnsFalse(int publicKeyLength, int signatureLength)
    {
        var keyPair = Ed25519KeyPair.FromSeed(new byte[32]);
        byte[] message = [42];
        byte[] signature = keyPair.Sign(message);
        byte[] publicKey = keyPair.PublicKey.ToArray();

        // Valid bytes padded or cut to the wrong length: only the length can make these fail.
        byte[] resizedKey = new byte[publicKeyLength];
        publicKey.AsSpan(0, Math.Min(32, publicKeyLength)).CopyTo(resizedKey);
        byte[] resizedSignature = new byte[signatureLength];
        signature.AsSpan(0, Math.Min(64, signatureLength)).CopyTo(resizedSignature);

        Assert.False(Ed25519KeyPair.Verify(resizedKey, message, resizedSignature));
    }

    [Fact]
    public void Verify_RandomAndExtremeInputs_NeverThrows()
    {
        // Keys that are not curve points, S values at or above the group order, all-zero and
        // all-one patterns: hostile input must come back as false.
        var random = new Random(7);
        byte[] message = [1, 2, 3];
        var inputs = new List<(byte[] Key, byte[] Signature)>
        {
            (new byte[32], new byte[64]),
            (Enumerable.Repeat((byte)0xff, 32).ToArray(), Enumerable.Repeat((byte)0xff, 64).ToArray()),
        };
        for (int i = 0; i < 200; i++)
        {
            byte[] key = new byte[32];
            byte[] signature = new byte[64];
            random.NextBytes(key);
            random.NextBytes(signature);
            inputs.Add((key, signature));
        }

        foreach (var (key, signature) in inputs)
        {
            Assert.False(Ed25519KeyPair.Verify(key, message, signature));
        }
    }

    [Fact]
    public void Verify_SignatureWithGroupOrderAddedToS_ReturnsFalse()
    {
        // RFC 8032 TEST 1 with S replaced by S + L: the same point equation holds, so a verifier that
        // skips the S < L check would accept a second signature for the message (malleability).
        byte[] publicKey = Convert.FromHexString("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
        byte[] signature = Convert.FromHexString(
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b");
        var order = System.Numerics.BigInteger.Pow(2, 252) + System.Numerics.BigInteger.Parse("27742317777372353535851937790883648493");
        var s = new System.Numerics.BigInteger(signature.AsSpan(32), isUnsigned: true);
        byte[] malleated = (byte[])signature.Clone();
        Assert.True((s + order).TryWriteBytes(malleated.AsSpan(32), out int written, isUnsigned: true));
        Assert.Equal(32, written);

        Assert.True(Ed25519KeyPair.Verify(publicKey, [], signature));
        Assert.False(Ed25519KeyPair.Verify(publicKey, [], malleated));
    }

    [Theory]
    [InlineData("")]
    [InlineData("4:salt6:foobar3:seqi1e1:v12:Hello World!")]
    public void Verify_IdentityKeyWithIdentityRAndZeroS_ReturnsFalse(string message)
    {
        // With A = R = the identity point and S = 0, [S]B = R + [k]A holds for every message: a key
        // of small order would let anyone "sign" anything, so it must be refused.
        byte[] identity = new byte[32];
        identity[0] = 1;
        byte[] signature = [.. identity, .. new byte[32]];

        Assert.False(Ed25519KeyPair.Verify(identity, Encoding.ASCII.GetBytes(message), signature));
    }
}
