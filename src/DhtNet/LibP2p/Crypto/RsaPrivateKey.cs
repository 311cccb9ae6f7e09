using System.Security.Cryptography;

namespace DhtNet.LibP2p.Crypto;

/// <summary>
/// An RSA private key; its libp2p encoding is PKCS#1 <c>RSAPrivateKey</c> DER. Signs with
/// RSASSA-PKCS1-v1_5 over SHA-256.
/// </summary>
public sealed class RsaPrivateKey : PrivateKey
{
    private readonly RSA _rsa;
    private readonly RsaPublicKey _publicKey;

    private RsaPrivateKey(RSA rsa)
    {
        _rsa = rsa;
        _publicKey = RsaPublicKey.FromRaw(rsa.ExportSubjectPublicKeyInfo());
    }

    public override KeyType Type => KeyType.Rsa;

    public override PublicKey PublicKey => _publicKey;

    /// <summary>A new key of <paramref name="bits"/> bits (2048 to 8192).</summary>
    public static RsaPrivateKey Generate(int bits = 2048)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bits, RsaPublicKey.MinBits);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(bits, RsaPublicKey.MaxBits);
        return new(RSA.Create(bits));
    }

    /// <summary>The key from PKCS#1 <c>RSAPrivateKey</c> DER.</summary>
    /// <exception cref="LibP2pFormatException">Not such DER, bytes left over, or a size outside 2048–8192 bits.</exception>
    public static RsaPrivateKey FromRaw(ReadOnlySpan<byte> raw) =>
        new(DerImport.Read(RSA.Create(), raw, static (r, der, out read) => r.ImportRSAPrivateKey(der, out read), "RSA private key", RsaPublicKey.CheckSize));

    public override byte[] Sign(ReadOnlySpan<byte> data) =>
        _rsa.SignData(data, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);

    private protected override byte[] ExportRaw() => _rsa.ExportRSAPrivateKey();
}
