using System.Security.Cryptography;

namespace DhtNet.LibP2p.Crypto;

/// <summary>
/// An ECDSA private key on P-256, P-384 or P-521; its libp2p encoding is the SEC 1 <c>ECPrivateKey</c>
/// DER that go-libp2p writes. Signs SHA-256 of the data, DER-encoded.
/// </summary>
public sealed class EcdsaPrivateKey : PrivateKey
{
    private readonly ECDsa _ecdsa;
    private readonly EcdsaPublicKey _publicKey;

    private EcdsaPrivateKey(ECDsa ecdsa)
    {
        _ecdsa = ecdsa;
        _publicKey = EcdsaPublicKey.FromRaw(ecdsa.ExportSubjectPublicKeyInfo());
    }

    public override KeyType Type => KeyType.Ecdsa;

    public override PublicKey PublicKey => _publicKey;

    /// <summary>A new P-256 key.</summary>
    public static EcdsaPrivateKey Generate() => new(ECDsa.Create(ECCurve.NamedCurves.nistP256));

    /// <summary>The key from SEC 1 <c>ECPrivateKey</c> DER.</summary>
    /// <exception cref="LibP2pFormatException">Not such DER on a supported curve, or bytes left over.</exception>
    public static EcdsaPrivateKey FromRaw(ReadOnlySpan<byte> raw) =>
        new(DerImport.Read(ECDsa.Create(), raw, static (e, der, out read) => e.ImportECPrivateKey(der, out read), "ECDSA private key", EcdsaPublicKey.CheckCurve));

    public override byte[] Sign(ReadOnlySpan<byte> data) =>
        _ecdsa.SignData(data, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);

    private protected override byte[] ExportRaw() => _ecdsa.ExportECPrivateKey();
}
