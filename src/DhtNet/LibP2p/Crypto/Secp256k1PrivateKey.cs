using System.Security.Cryptography;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;
using Org.BouncyCastle.Math;

namespace DhtNet.LibP2p.Crypto;

/// <summary>
/// A secp256k1 private key (the 32-byte scalar). Signs SHA-256 of the data with deterministic
/// (RFC 6979) ECDSA, low-S, DER-encoded, as go-libp2p does.
/// </summary>
public sealed class Secp256k1PrivateKey : PrivateKey
{
    /// <summary>The length of the scalar.</summary>
    public const int Length = 32;

    private readonly ECPrivateKeyParameters _key;
    private readonly Secp256k1PublicKey _publicKey;

    private Secp256k1PrivateKey(BigInteger d)
    {
        _key = new ECPrivateKeyParameters(d, Secp256k1PublicKey.Domain);
        _publicKey = Secp256k1PublicKey.FromPoint(Secp256k1PublicKey.Domain.G.Multiply(d));
    }

    public override KeyType Type => KeyType.Secp256k1;

    public override PublicKey PublicKey => _publicKey;

    /// <summary>A new key from the system's secure random generator.</summary>
    public static Secp256k1PrivateKey Generate()
    {
        Span<byte> scalar = stackalloc byte[Length];
        while (true)
        {
            RandomNumberGenerator.Fill(scalar);
            var d = new BigInteger(1, scalar);
            if (d.SignValue > 0 && d.CompareTo(Secp256k1PublicKey.Domain.N) < 0)
            {
                scalar.Clear();
                return new Secp256k1PrivateKey(d);
            }
        }
    }

    /// <summary>The key from its 32-byte big-endian scalar.</summary>
    /// <exception cref="LibP2pFormatException">Not 32 bytes, or zero, or not below the curve order.</exception>
    public static Secp256k1PrivateKey FromRaw(ReadOnlySpan<byte> raw)
    {
        if (raw.Length != Length)
        {
            throw new LibP2pFormatException($"A secp256k1 private key is {Length} bytes, not {raw.Length}.");
        }

        var d = new BigInteger(1, raw);
        if (d.SignValue == 0 || d.CompareTo(Secp256k1PublicKey.Domain.N) >= 0)
        {
            throw new LibP2pFormatException("The secp256k1 private key is not in [1, n-1].");
        }

        return new Secp256k1PrivateKey(d);
    }

    public override byte[] Sign(ReadOnlySpan<byte> data)
    {
        var signer = new ECDsaSigner(new HMacDsaKCalculator(new Sha256Digest()));
        signer.Init(true, _key);
        var rs = signer.GenerateSignature(SHA256.HashData(data));
        var n = Secp256k1PublicKey.Domain.N;
        // Low S, as Bitcoin (BIP 62) and go-libp2p write it.
        var s = rs[1].CompareTo(n.ShiftRight(1)) > 0 ? n.Subtract(rs[1]) : rs[1];
        return Secp256k1PublicKey.EncodeDer(rs[0], s);
    }

    private protected override byte[] ExportRaw() => _key.D.ToByteArrayUnsigned() is var d && d.Length == Length
        ? d
        : [.. new byte[Length - d.Length], .. d];
}
