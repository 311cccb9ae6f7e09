using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X9;
using Org.BouncyCastle.Crypto.EC;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.Math.EC;

namespace DhtNet.LibP2p.Crypto;

/// <summary>
/// A secp256k1 public key (Bitcoin encoding: a 33-byte compressed point; the 65-byte uncompressed
/// form is read and re-encoded compressed, as go-libp2p does). Signatures are DER-encoded ECDSA over SHA-256.
/// </summary>
public sealed class Secp256k1PublicKey : PublicKey
{
    /// <summary>The length of the compressed encoding libp2p uses.</summary>
    public const int CompressedLength = 33;

    internal static readonly X9ECParameters Curve = CustomNamedCurves.GetByName("secp256k1");
    internal static readonly ECDomainParameters Domain = new(Curve.Curve, Curve.G, Curve.N, Curve.H, Curve.GetSeed());

    private readonly ECPublicKeyParameters _key;

    private Secp256k1PublicKey(ECPoint point)
        : base(KeyType.Secp256k1, point.GetEncoded(compressed: true))
    {
        _key = new ECPublicKeyParameters(point, Domain);
    }

    /// <summary>The key from a compressed (33-byte) or uncompressed (65-byte) point.</summary>
    /// <exception cref="LibP2pFormatException">Another length, or not a point on the curve.</exception>
    public static Secp256k1PublicKey FromRaw(ReadOnlySpan<byte> raw)
    {
        if (!(raw.Length == CompressedLength && raw[0] is 2 or 3) && !(raw.Length == 65 && raw[0] == 4))
        {
            throw new LibP2pFormatException($"A secp256k1 public key is a 33-byte compressed or 65-byte uncompressed point, not {raw.Length} bytes starting 0x{(raw.IsEmpty ? 0 : raw[0]):x2}.");
        }

        ECPoint point;
        try
        {
            point = Curve.Curve.DecodePoint(raw.ToArray());
        }
        catch (ArgumentException e)
        {
            throw new LibP2pFormatException("The secp256k1 public key is not a point on the curve.", e);
        }

        if (point.IsInfinity || !point.IsValid())
        {
            throw new LibP2pFormatException("The secp256k1 public key is not a point on the curve.");
        }

        return new Secp256k1PublicKey(point.Normalize());
    }

    internal static Secp256k1PublicKey FromPoint(ECPoint point) => new(point.Normalize());

    public override bool Verify(ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature)
    {
        if (!TryDecodeDer(signature, out var r, out var s))
        {
            return false;
        }

        var signer = new ECDsaSigner();
        signer.Init(false, _key);
        return signer.VerifySignature(System.Security.Cryptography.SHA256.HashData(data), r, s);
    }

    /// <summary>Reads a strict DER <c>SEQUENCE { INTEGER r, INTEGER s }</c>; anything else (BER variants, trailing bytes) is false.</summary>
    internal static bool TryDecodeDer(ReadOnlySpan<byte> signature, out BigInteger r, out BigInteger s)
    {
        r = s = BigInteger.Zero;
        // Two 33-byte integers and their headers fit in 72 bytes; longer is not a secp256k1 signature.
        if (signature.Length is < 8 or > 72 || signature[0] != 0x30)
        {
            return false;
        }

        try
        {
            var bytes = signature.ToArray();
            if (Asn1Object.FromByteArray(bytes) is not Asn1Sequence { Count: 2 } sequence
                || sequence[0] is not DerInteger derR || sequence[1] is not DerInteger derS)
            {
                return false;
            }

            r = derR.PositiveValue;
            s = derS.PositiveValue;
            // Re-encoding must give the same bytes: one signature, one encoding.
            return derR.Value.SignValue > 0 && derS.Value.SignValue > 0
                && new DerSequence(derR, derS).GetEncoded(Asn1Encodable.Der).AsSpan().SequenceEqual(signature);
        }
        catch (Exception e) when (e is IOException or ArgumentException or InvalidOperationException or Asn1Exception)
        {
            return false;
        }
    }

    internal static byte[] EncodeDer(BigInteger r, BigInteger s) =>
        new DerSequence(new DerInteger(r), new DerInteger(s)).GetEncoded(Asn1Encodable.Der);
}
