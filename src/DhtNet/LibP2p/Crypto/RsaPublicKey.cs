using System.Security.Cryptography;

namespace DhtNet.LibP2p.Crypto;

/// <summary>
/// An RSA public key (PKIX DER), as older IPFS peers and bootstrap nodes still use; signatures are
/// RSASSA-PKCS1-v1_5 over SHA-256.
/// </summary>
public sealed class RsaPublicKey : PublicKey
{
    /// <summary>Smaller keys are rejected, as go-libp2p rejects them.</summary>
    public const int MinBits = 2048;

    /// <summary>Larger keys are rejected: verification cost grows with the key, and a peer chooses it.</summary>
    public const int MaxBits = 8192;

    private readonly RSA _rsa;

    private RsaPublicKey(RSA rsa, byte[] raw)
        : base(KeyType.Rsa, raw)
    {
        _rsa = rsa;
    }

    /// <summary>The key size in bits.</summary>
    public int Bits => _rsa.KeySize;

    /// <summary>The key from its PKIX (SubjectPublicKeyInfo) DER encoding.</summary>
    /// <exception cref="LibP2pFormatException">Not PKIX DER for RSA, bytes left over, or a size outside 2048–8192 bits.</exception>
    public static RsaPublicKey FromRaw(ReadOnlySpan<byte> raw)
    {
        var rsa = DerImport.Read(RSA.Create(), raw, static (r, der, out read) => r.ImportSubjectPublicKeyInfo(der, out read), "RSA public key", CheckSize);
        return new RsaPublicKey(rsa, raw.ToArray());
    }

    internal static string? CheckSize(RSA rsa) =>
        rsa.KeySize is < MinBits or > MaxBits ? $"The RSA key has {rsa.KeySize} bits; {MinBits} to {MaxBits} are accepted." : null;

    public override bool Verify(ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature)
    {
        try
        {
            return _rsa.VerifyData(data, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        }
        catch (CryptographicException)
        {
            return false;
        }
    }
}
