using System.Buffers.Binary;
using System.Security.Cryptography;

namespace DhtNet.LibP2p.Noise;

/// <summary>
/// The Noise CipherState for ChaChaPoly: a 32-byte key and a 64-bit counter nonce (four zero bytes,
/// then the counter little-endian). Without a key, "encryption" is the identity, as the spec says.
/// </summary>
internal sealed class NoiseCipherState : IDisposable
{
    public const int TagLength = 16;
    public const int KeyLength = 32;

    private ChaCha20Poly1305? _aead;
    private ulong _nonce;

    public bool HasKey => _aead is not null;

    public ulong Nonce => _nonce;

    public void InitializeKey(ReadOnlySpan<byte> key)
    {
        _aead?.Dispose();
        _aead = new ChaCha20Poly1305(key);
        _nonce = 0;
    }

    /// <summary>Encrypts into <paramref name="destination"/> (ciphertext, then the tag); returns the bytes written.</summary>
    public int Encrypt(ReadOnlySpan<byte> associatedData, ReadOnlySpan<byte> plaintext, Span<byte> destination)
    {
        if (_aead is null)
        {
            plaintext.CopyTo(destination);
            return plaintext.Length;
        }

        Span<byte> nonce = stackalloc byte[12];
        NextNonce(nonce);
        _aead.Encrypt(nonce, plaintext, destination[..plaintext.Length], destination.Slice(plaintext.Length, TagLength), associatedData);
        return plaintext.Length + TagLength;
    }

    /// <summary>
    /// Decrypts and authenticates; returns the plaintext length. Throws <see cref="LibP2pProtocolException"/>
    /// when the tag does not match (a forged, corrupted or replayed message).
    /// </summary>
    public int Decrypt(ReadOnlySpan<byte> associatedData, ReadOnlySpan<byte> ciphertext, Span<byte> destination)
    {
        if (_aead is null)
        {
            ciphertext.CopyTo(destination);
            return ciphertext.Length;
        }

        if (ciphertext.Length < TagLength)
        {
            throw new LibP2pProtocolException($"noise: a ciphertext of {ciphertext.Length} bytes is shorter than its tag.");
        }

        int length = ciphertext.Length - TagLength;
        Span<byte> nonce = stackalloc byte[12];
        NextNonce(nonce);
        try
        {
            _aead.Decrypt(nonce, ciphertext[..length], ciphertext[length..], destination[..length], associatedData);
        }
        catch (CryptographicException e)
        {
            throw new LibP2pProtocolException("noise: a message failed authentication.", e);
        }

        return length;
    }

    public void Dispose() => _aead?.Dispose();

    private void NextNonce(Span<byte> nonce)
    {
        // 2^64 - 1 is reserved; a connection that gets there must end rather than reuse a nonce.
        if (_nonce == ulong.MaxValue)
        {
            throw new LibP2pProtocolException("noise: the nonce space is exhausted.");
        }

        nonce[..4].Clear();
        BinaryPrimitives.WriteUInt64LittleEndian(nonce[4..], _nonce++);
    }
}
