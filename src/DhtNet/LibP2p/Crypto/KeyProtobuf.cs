using DhtNet.LibP2p.Multiformats;

namespace DhtNet.LibP2p.Crypto;

/// <summary>
/// The libp2p <c>PublicKey</c>/<c>PrivateKey</c> protobuf (field 1 <c>KeyType Type</c>, field 2
/// <c>bytes Data</c>), written and read by hand: the peer-ids spec demands the one deterministic
/// encoding (both fields, in tag order, minimal varints, nothing else), which a general protobuf
/// reader would not check, and peer ids hash these exact bytes.
/// </summary>
internal static class KeyProtobuf
{
    /// <summary>Larger than an 8192-bit RSA private key in PKCS#1 DER, the largest key libp2p peers use.</summary>
    public const int MaxDataLength = 8192;

    private const byte TypeTag = (1 << 3) | 0; // field 1, varint
    private const byte DataTag = (2 << 3) | 2; // field 2, length-delimited

    public static byte[] Write(KeyType type, ReadOnlySpan<byte> data)
    {
        var lengthLength = Varint.GetLength((ulong)data.Length);
        var bytes = new byte[2 + 1 + lengthLength + data.Length];
        bytes[0] = TypeTag;
        bytes[1] = (byte)type;
        bytes[2] = DataTag;
        Varint.Write(bytes.AsSpan(3), (ulong)data.Length);
        data.CopyTo(bytes.AsSpan(3 + lengthLength));
        return bytes;
    }

    /// <summary>Reads the message; <paramref name="what"/> names it in errors ("public key", "private key").</summary>
    public static (KeyType Type, ReadOnlyMemory<byte> Data) Read(ReadOnlySpan<byte> bytes, string what, out byte[] copy)
    {
        if (bytes.Length < 4)
        {
            throw new LibP2pFormatException($"The {what} protobuf is {bytes.Length} bytes; it needs at least 4.");
        }

        if (bytes[0] != TypeTag)
        {
            throw new LibP2pFormatException($"The {what} protobuf must start with the Type field (0x08), not 0x{bytes[0]:x2}.");
        }

        var type = Varint.Read(bytes[1..], out var typeLength);
        if (type > (ulong)KeyType.Ecdsa)
        {
            throw new LibP2pFormatException($"The {what} type {type} is not a libp2p key type.");
        }

        var offset = 1 + typeLength;
        if (offset >= bytes.Length || bytes[offset] != DataTag)
        {
            throw new LibP2pFormatException($"The {what} protobuf must have the Data field (0x12) after the Type field.");
        }

        offset++;
        var length = Varint.ReadInt32(bytes[offset..], MaxDataLength, $"{what} data length", out var lengthLength);
        offset += lengthLength;
        if (bytes.Length - offset != length)
        {
            throw new LibP2pFormatException(bytes.Length - offset < length
                ? $"The {what} data is truncated: {length} bytes declared, {bytes.Length - offset} present."
                : $"{bytes.Length - offset - length} bytes follow the {what} data; the protobuf allows no other fields.");
        }

        copy = bytes.ToArray();
        return ((KeyType)type, copy.AsMemory(offset));
    }
}
