using System.Buffers;
using System.Text;
using DhtNet.LibP2p.Crypto;
using DhtNet.LibP2p.Protobuf;

namespace DhtNet.LibP2p.Noise;

/// <summary>
/// The libp2p NoiseHandshakePayload: the identity key (a libp2p PublicKey protobuf, field 1) and its
/// signature over <c>"noise-libp2p-static-key:" + static Noise key</c> (field 2). Extensions (field 4)
/// are neither sent nor used: muxers are negotiated with multistream-select.
/// </summary>
internal static class NoiseHandshakePayload
{
    /// <summary>The largest payload accepted: an RSA-4096 key and signature fit with room to spare.</summary>
    public const int MaxLength = 8192;

    private static readonly byte[] SignaturePrefix = Encoding.ASCII.GetBytes("noise-libp2p-static-key:");

    /// <summary>Our payload for the static Noise key <paramref name="staticPublicKey"/>.</summary>
    public static byte[] Create(PrivateKey identity, ReadOnlySpan<byte> staticPublicKey)
    {
        var writer = new ArrayBufferWriter<byte>(256);
        var protobuf = new ProtobufWriter(writer);
        protobuf.WriteBytes(1, identity.PublicKey.Marshal());
        protobuf.WriteBytes(2, identity.Sign(SignedBytes(staticPublicKey)));
        return writer.WrittenSpan.ToArray();
    }

    /// <summary>
    /// Decodes the peer's payload and checks its signature over the peer's static key; returns the
    /// peer's identity key. Throws <see cref="LibP2pProtocolException"/> for anything wrong.
    /// </summary>
    public static PublicKey Verify(ReadOnlySpan<byte> payload, ReadOnlySpan<byte> remoteStaticKey)
    {
        if (payload.Length > MaxLength)
        {
            throw new LibP2pProtocolException($"noise: a handshake payload of {payload.Length} bytes is over the limit.");
        }

        ReadOnlySpan<byte> keyBytes = default;
        ReadOnlySpan<byte> signature = default;
        bool hasKey = false, hasSignature = false;
        PublicKey key;
        try
        {
            var reader = new ProtobufReader(payload);
            while (reader.TryReadTag(out int field, out var wireType))
            {
                switch (field)
                {
                    case 1:
                        ProtobufReader.Expect(wireType, WireType.LengthDelimited, field);
                        keyBytes = reader.ReadBytes();
                        hasKey = true;
                        break;
                    case 2:
                        ProtobufReader.Expect(wireType, WireType.LengthDelimited, field);
                        signature = reader.ReadBytes();
                        hasSignature = true;
                        break;
                    default:
                        reader.Skip(wireType);
                        break;
                }
            }

            if (!hasKey || !hasSignature)
            {
                throw new LibP2pProtocolException("noise: the handshake payload lacks the identity key or its signature.");
            }

            key = PublicKey.Unmarshal(keyBytes);
        }
        catch (LibP2pFormatException e)
        {
            throw new LibP2pProtocolException($"noise: the handshake payload is malformed: {e.Message}", e);
        }

        if (!key.Verify(SignedBytes(remoteStaticKey), signature))
        {
            throw new LibP2pProtocolException("noise: the identity signature over the static key is invalid.");
        }

        return key;
    }

    private static byte[] SignedBytes(ReadOnlySpan<byte> staticPublicKey) => [.. SignaturePrefix, .. staticPublicKey];
}
