using System.Buffers;
using System.Globalization;
using System.Text;
using DhtNet.Mainline.Bencode;
using DhtNet.Mainline.Krpc;
using DhtNet.Security;

namespace DhtNet.Mainline.Bep44;

/// <summary>
/// BEP 44 (arbitrary data in the DHT): size limits, item targets, and the exact byte buffer that a
/// mutable item's signature covers.
/// </summary>
public static class ItemRules
{
    /// <summary>Largest bencoded <c>v</c> a node stores.</summary>
    public const int MaxValueSize = 1000;

    /// <summary>Largest <c>salt</c>.</summary>
    public const int MaxSaltSize = 64;

    /// <summary>Length of <c>k</c>, an Ed25519 public key.</summary>
    public const int PublicKeySize = Ed25519KeyPair.PublicKeySize;

    /// <summary>Length of <c>sig</c>, an Ed25519 signature.</summary>
    public const int SignatureSize = Ed25519KeyPair.SignatureSize;

    /// <summary>
    /// Largest signature buffer: <c>4:salt64:</c> + 64 bytes, <c>3:seqi-9223372036854775808e</c>,
    /// <c>1:v</c> + 1000 bytes. A buffer of this size always fits (1103 bytes; fine for stackalloc).
    /// </summary>
    public const int MaxSignatureBufferSize = 6 + 3 + MaxSaltSize + 5 + 22 + 3 + MaxValueSize;

    private static ReadOnlySpan<byte> SaltKey => "4:salt"u8;

    private static ReadOnlySpan<byte> SequenceKey => "3:seqi"u8;

    private static ReadOnlySpan<byte> ValueKey => "e1:v"u8;

    /// <summary>The target of an immutable item: the SHA-1 of its bencoded value.</summary>
    public static NodeId ImmutableTarget(ReadOnlySpan<byte> encodedValue) => NodeId.Sha1(encodedValue);

    /// <summary>The target of a mutable item: the SHA-1 of the public key followed by the salt (if any).</summary>
    public static NodeId MutableTarget(ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> salt = default)
    {
        if (publicKey.Length != PublicKeySize)
        {
            throw new ArgumentException($"A BEP 44 public key is {PublicKeySize} bytes, got {publicKey.Length}.", nameof(publicKey));
        }

        CheckSalt(salt);
        Span<byte> input = stackalloc byte[PublicKeySize + MaxSaltSize];
        publicKey.CopyTo(input);
        salt.CopyTo(input[PublicKeySize..]);
        return NodeId.Sha1(input[..(PublicKeySize + salt.Length)]);
    }

    /// <summary>Length of the signature buffer for these fields.</summary>
    public static int GetSignatureBufferSize(ReadOnlySpan<byte> salt, long sequenceNumber, int encodedValueLength) =>
        (salt.IsEmpty ? 0 : SaltKey.Length + BencodeWriter.ByteStringSize(salt.Length))
        + SequenceKey.Length + DigitsSize(sequenceNumber) + ValueKey.Length + encodedValueLength;

    /// <summary>
    /// Writes what a mutable item's signature covers: <c>4:salt&lt;len&gt;:&lt;salt&gt;</c> when the salt
    /// is not empty, then <c>3:seqi&lt;seq&gt;e1:v</c> and the bencoded value exactly as given (the
    /// bytes are signed as they are, so pass them as they came off the wire). Returns the bytes written.
    /// Throws <see cref="ArgumentException"/> when the salt or value break BEP 44's limits or
    /// <paramref name="destination"/> is too small.
    /// </summary>
    public static int WriteSignatureBuffer(Span<byte> destination, ReadOnlySpan<byte> salt, long sequenceNumber, ReadOnlySpan<byte> encodedValue)
    {
        CheckSalt(salt);
        CheckValue(encodedValue);
        int size = GetSignatureBufferSize(salt, sequenceNumber, encodedValue.Length);
        if (destination.Length < size)
        {
            throw new ArgumentException($"The signature buffer needs {size} bytes, got {destination.Length}.", nameof(destination));
        }

        Write(destination, salt, sequenceNumber, encodedValue);
        return size;
    }

    /// <summary>Writes the signature buffer (see the span overload) into <paramref name="output"/>.</summary>
    public static void WriteSignatureBuffer(IBufferWriter<byte> output, ReadOnlySpan<byte> salt, long sequenceNumber, ReadOnlySpan<byte> encodedValue)
    {
        ArgumentNullException.ThrowIfNull(output);
        CheckSalt(salt);
        CheckValue(encodedValue);
        int size = GetSignatureBufferSize(salt, sequenceNumber, encodedValue.Length);
        Write(output.GetSpan(size), salt, sequenceNumber, encodedValue);
        output.Advance(size);
    }

    /// <summary>Signs a mutable item; returns the 64-byte <c>sig</c>.</summary>
    public static byte[] Sign(Ed25519KeyPair keyPair, ReadOnlySpan<byte> salt, long sequenceNumber, ReadOnlySpan<byte> encodedValue)
    {
        ArgumentNullException.ThrowIfNull(keyPair);
        Span<byte> buffer = stackalloc byte[MaxSignatureBufferSize];
        int length = WriteSignatureBuffer(buffer, salt, sequenceNumber, encodedValue);
        return keyPair.Sign(buffer[..length]);
    }

    /// <summary>
    /// True when <paramref name="signature"/> signs this mutable item under <paramref name="publicKey"/>.
    /// For fields from the network: any malformed field (wrong key or signature length, salt or value
    /// over the limits, empty value) gives false, never an exception.
    /// </summary>
    public static bool VerifySignature(ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> salt, long sequenceNumber, ReadOnlySpan<byte> encodedValue, ReadOnlySpan<byte> signature)
    {
        if (publicKey.Length != PublicKeySize || signature.Length != SignatureSize
            || salt.Length > MaxSaltSize || encodedValue.IsEmpty || encodedValue.Length > MaxValueSize)
        {
            return false;
        }

        Span<byte> buffer = stackalloc byte[MaxSignatureBufferSize];
        int length = Write(buffer, salt, sequenceNumber, encodedValue);
        return Ed25519KeyPair.Verify(publicKey, buffer[..length], signature);
    }

    private static int Write(Span<byte> destination, ReadOnlySpan<byte> salt, long sequenceNumber, ReadOnlySpan<byte> encodedValue)
    {
        int position = 0;
        if (!salt.IsEmpty)
        {
            // An empty salt is the same as none (BEP 44), so it adds nothing to the buffer.
            SaltKey.CopyTo(destination);
            position = SaltKey.Length;
            salt.Length.TryFormat(destination[position..], out int lengthDigits, provider: CultureInfo.InvariantCulture);
            position += lengthDigits;
            destination[position++] = (byte)':';
            salt.CopyTo(destination[position..]);
            position += salt.Length;
        }

        SequenceKey.CopyTo(destination[position..]);
        position += SequenceKey.Length;
        sequenceNumber.TryFormat(destination[position..], out int digits, provider: CultureInfo.InvariantCulture);
        position += digits;
        ValueKey.CopyTo(destination[position..]);
        position += ValueKey.Length;
        encodedValue.CopyTo(destination[position..]);
        return position + encodedValue.Length;
    }

    /// <summary>Checks a salt: at most <see cref="MaxSaltSize"/> bytes.</summary>
    internal static void CheckSalt(ReadOnlySpan<byte> salt, string argument = "salt")
    {
        if (salt.Length > MaxSaltSize)
        {
            throw new ArgumentException($"A BEP 44 salt is at most {MaxSaltSize} bytes, got {salt.Length}.", argument);
        }
    }

    /// <summary>Checks a value's size: 1 to <see cref="MaxValueSize"/> bytes.</summary>
    internal static void CheckValue(ReadOnlySpan<byte> encodedValue, string argument = "encodedValue")
    {
        if (encodedValue.IsEmpty || encodedValue.Length > MaxValueSize)
        {
            throw new ArgumentException($"A BEP 44 value is 1 to {MaxValueSize} bencoded bytes, got {encodedValue.Length}.", argument);
        }
    }

    /// <summary>Checks a value to put: one canonical bencoded value of 1..1000 bytes. Returns a copy we own.</summary>
    internal static byte[] CheckCanonicalValue(ReadOnlyMemory<byte> bencodedValue, string argument)
    {
        CheckValue(bencodedValue.Span, argument);
        if (!KrpcCodec.IsCanonical(bencodedValue.Span))
        {
            throw new ArgumentException("A BEP 44 value must be exactly one canonical bencoded value (sorted keys, no leading zeros).", argument);
        }

        return bencodedValue.ToArray();
    }

    /// <summary>Checks an already signed item to put: its value, its salt, and that its signature holds.</summary>
    internal static void CheckSignedItem(MutableItem item, string argument)
    {
        ArgumentNullException.ThrowIfNull(item, argument);
        _ = CheckCanonicalValue(item.Value, argument);
        CheckSalt(item.Salt.Span, argument);
        if (!item.VerifySignature())
        {
            throw new ArgumentException("The item's signature does not verify under its public key, salt, seq and value.", argument);
        }
    }

    /// <summary>The salt of a string key (its UTF-8 bytes), checked for size.</summary>
    internal static byte[] KeySalt(string key, string argument)
    {
        ArgumentNullException.ThrowIfNull(key, argument);
        byte[] salt = Encoding.UTF8.GetBytes(key);
        if (salt.Length > MaxSaltSize)
        {
            throw new ArgumentException($"A key is at most {MaxSaltSize} bytes of UTF-8 (it becomes the BEP 44 salt), got {salt.Length}.", argument);
        }

        return salt;
    }

    // Digits of the integer without the 'i' and 'e' that IntegerSize counts.
    private static int DigitsSize(long value) => BencodeWriter.IntegerSize(value) - 2;
}
