using System.Security.Cryptography;

namespace DhtNet.LibP2p.Crypto;

/// <summary>
/// An ECDSA public key on P-256, P-384 or P-521 (PKIX DER); signatures are DER-encoded ECDSA over SHA-256.
/// </summary>
public sealed class EcdsaPublicKey : PublicKey
{
    private readonly ECDsa _ecdsa;

    private EcdsaPublicKey(ECDsa ecdsa, byte[] raw)
        : base(KeyType.Ecdsa, raw)
    {
        _ecdsa = ecdsa;
    }

    /// <summary>The curve size in bits (256, 384 or 521).</summary>
    public int Bits => _ecdsa.KeySize;

    /// <summary>The key from its PKIX (SubjectPublicKeyInfo) DER encoding.</summary>
    /// <exception cref="LibP2pFormatException">Not PKIX DER for a NIST prime curve, or bytes left over.</exception>
    public static EcdsaPublicKey FromRaw(ReadOnlySpan<byte> raw)
    {
        var ecdsa = DerImport.Read(ECDsa.Create(), raw, static (e, der, out read) => e.ImportSubjectPublicKeyInfo(der, out read), "ECDSA public key", CheckCurve);
        return new EcdsaPublicKey(ecdsa, raw.ToArray());
    }

    internal static string? CheckCurve(ECDsa ecdsa)
    {
        var curve = ecdsa.ExportParameters(false).Curve;
        return curve.IsNamed && curve.Oid.Value is NistP256 or NistP384 or NistP521
            ? null
            : $"The ECDSA key is on curve {curve.Oid?.FriendlyName ?? curve.Oid?.Value}; P-256, P-384 and P-521 are accepted.";
    }

    public override bool Verify(ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature)
    {
        try
        {
            return _ecdsa.VerifyData(data, signature, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    internal const string NistP256 = "1.2.840.10045.3.1.7";
    internal const string NistP384 = "1.3.132.0.34";
    internal const string NistP521 = "1.3.132.0.35";
}
