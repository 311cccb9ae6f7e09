using System.Security.Cryptography;
using System.Text;
using NSec.Cryptography;

namespace DhtNet.LibP2p.Noise;

/// <summary>
/// The Noise XX handshake (<c>-&gt; e; &lt;- e, ee, s, es; -&gt; s, se</c>) for
/// <c>Noise_XX_25519_ChaChaPoly_SHA256</c>: the SymmetricState (chaining key, handshake hash) and the
/// three messages, written and read in turn; <see cref="Split"/> gives the transport ciphers.
/// Messages are checked strictly: a wrong size or a failed tag throws <see cref="LibP2pProtocolException"/>.
/// </summary>
internal sealed class NoiseHandshakeState : IDisposable
{
    public const string ProtocolName = "Noise_XX_25519_ChaChaPoly_SHA256";
    public const int DhLength = 32;
    public const int HashLength = 32;

    private static readonly KeyAgreementAlgorithm X25519 = KeyAgreementAlgorithm.X25519;

    private readonly bool _initiator;
    private readonly Key _static;
    private readonly Key _ephemeral;
    private readonly byte[] _chainingKey = new byte[HashLength];
    private readonly byte[] _hash = new byte[HashLength];
    private readonly NoiseCipherState _cipher = new();
    private byte[]? _remoteEphemeral;
    private byte[]? _remoteStatic;
    private int _message;

    /// <summary>A handshake with our static X25519 key; the ephemeral key is fresh unless a test fixes it.</summary>
    public NoiseHandshakeState(bool initiator, Key staticKey, ReadOnlySpan<byte> prologue, Key? ephemeralKey = null)
    {
        _initiator = initiator;
        _static = staticKey;
        _ephemeral = ephemeralKey ?? NewKey();

        // The name is exactly 32 bytes, so it is the initial hash as it stands (no hashing, no padding).
        int written = Encoding.ASCII.GetBytes(ProtocolName, _hash);
        _hash.AsSpan(written).Clear();
        _hash.CopyTo(_chainingKey, 0);
        MixHash(prologue);
    }

    public bool IsComplete => _message == 3;

    /// <summary>Which of the three messages comes next (0, 1, 2; 3 when complete).</summary>
    public int MessageIndex => _message;

    /// <summary>The peer's static Noise key, known after the second (initiator) or third (responder) message.</summary>
    public ReadOnlySpan<byte> RemoteStaticKey => _remoteStatic;

    /// <summary>The handshake hash, which binds the whole transcript (channel binding).</summary>
    public ReadOnlySpan<byte> HandshakeHash => _hash;

    /// <summary>Whose turn it is: true when the next message is ours to write.</summary>
    public bool IsMyTurn => (_message % 2 == 0) == _initiator;

    /// <summary>A fresh X25519 key whose private half can be used for agreement.</summary>
    public static Key NewKey() => Key.Create(X25519, new KeyCreationParameters { ExportPolicy = KeyExportPolicies.None });

    /// <summary>An X25519 key from its 32 raw private bytes (test vectors).</summary>
    public static Key ImportKey(ReadOnlySpan<byte> privateKey) =>
        Key.Import(X25519, privateKey, KeyBlobFormat.RawPrivateKey, new KeyCreationParameters { ExportPolicy = KeyExportPolicies.None });

    public static byte[] PublicKeyOf(Key key) => key.PublicKey.Export(KeyBlobFormat.RawPublicKey);

    /// <summary>The size of our next message for a payload of <paramref name="payloadLength"/> bytes.</summary>
    public int MessageLength(int payloadLength) => _message switch
    {
        0 => DhLength + payloadLength,
        1 => DhLength + DhLength + NoiseCipherState.TagLength + payloadLength + NoiseCipherState.TagLength,
        _ => DhLength + NoiseCipherState.TagLength + payloadLength + NoiseCipherState.TagLength,
    };

    /// <summary>Writes our next message into <paramref name="destination"/>; returns its length.</summary>
    public int WriteMessage(ReadOnlySpan<byte> payload, Span<byte> destination)
    {
        if (IsComplete || !IsMyTurn)
        {
            throw new InvalidOperationException("noise: not our turn to write.");
        }

        int offset = 0;
        switch (_message)
        {
            case 0: // -> e
                offset += WriteEphemeral(destination);
                break;
            case 1: // <- e, ee, s, es
                offset += WriteEphemeral(destination);
                MixKey(Agree(_ephemeral, _remoteEphemeral!));
                offset += EncryptAndHash(PublicKeyOf(_static), destination[offset..]);
                MixKey(Agree(_static, _remoteEphemeral!));
                break;
            default: // -> s, se
                offset += EncryptAndHash(PublicKeyOf(_static), destination[offset..]);
                MixKey(Agree(_static, _remoteEphemeral!));
                break;
        }

        offset += EncryptAndHash(payload, destination[offset..]);
        _message++;
        return offset;
    }

    /// <summary>Reads the peer's next message; the decrypted payload is returned.</summary>
    public byte[] ReadMessage(ReadOnlySpan<byte> message)
    {
        if (IsComplete || IsMyTurn)
        {
            throw new InvalidOperationException("noise: not our turn to read.");
        }

        int minimum = MessageLength(0); // every field present, the payload empty
        if (message.Length < minimum)
        {
            throw new LibP2pProtocolException($"noise: handshake message {_message + 1} is {message.Length} bytes; it needs at least {minimum}.");
        }

        int offset = 0;
        switch (_message)
        {
            case 0: // -> e
                offset += ReadEphemeral(message);
                break;
            case 1: // <- e, ee, s, es
                offset += ReadEphemeral(message);
                MixKey(Agree(_ephemeral, _remoteEphemeral!));
                _remoteStatic = DecryptAndHash(message.Slice(offset, DhLength + NoiseCipherState.TagLength));
                offset += DhLength + NoiseCipherState.TagLength;
                MixKey(Agree(_ephemeral, _remoteStatic));
                break;
            default: // -> s, se
                _remoteStatic = DecryptAndHash(message[..(DhLength + NoiseCipherState.TagLength)]);
                offset += DhLength + NoiseCipherState.TagLength;
                MixKey(Agree(_ephemeral, _remoteStatic));
                break;
        }

        byte[] payload = DecryptAndHash(message[offset..]);
        _message++;
        return payload;
    }

    /// <summary>The two transport ciphers: (ours for sending, ours for receiving).</summary>
    public (NoiseCipherState Send, NoiseCipherState Receive) Split()
    {
        if (!IsComplete)
        {
            throw new InvalidOperationException("noise: the handshake is not complete.");
        }

        Span<byte> keys = stackalloc byte[2 * NoiseCipherState.KeyLength];
        Hkdf(_chainingKey, ReadOnlySpan<byte>.Empty, keys);
        var first = new NoiseCipherState();
        var second = new NoiseCipherState();
        first.InitializeKey(keys[..NoiseCipherState.KeyLength]);
        second.InitializeKey(keys[NoiseCipherState.KeyLength..]);
        CryptographicOperations.ZeroMemory(keys);
        return _initiator ? (first, second) : (second, first);
    }

    public void Dispose()
    {
        _ephemeral.Dispose();
        _cipher.Dispose();
        CryptographicOperations.ZeroMemory(_chainingKey);
    }

    private int WriteEphemeral(Span<byte> destination)
    {
        byte[] publicKey = PublicKeyOf(_ephemeral);
        publicKey.CopyTo(destination);
        MixHash(publicKey);
        return DhLength;
    }

    private int ReadEphemeral(ReadOnlySpan<byte> message)
    {
        _remoteEphemeral = message[..DhLength].ToArray();
        MixHash(_remoteEphemeral);
        return DhLength;
    }

    private static byte[] Agree(Key key, byte[] remotePublic)
    {
        var remote = NSec.Cryptography.PublicKey.Import(X25519, remotePublic, KeyBlobFormat.RawPublicKey);
        using var shared = X25519.Agree(key, remote, new SharedSecretCreationParameters { ExportPolicy = KeyExportPolicies.AllowPlaintextExport })
            ?? throw new LibP2pProtocolException("noise: the peer sent a low-order X25519 key.");
        return shared.Export(SharedSecretBlobFormat.RawSharedSecret);
    }

    // Noise's HKDF with two outputs: temp = HMAC(ck, ikm); out1 = HMAC(temp, 0x01); out2 = HMAC(temp, out1 || 0x02).
    // Written with HMAC because OpenSSL's HKDF refuses the empty input key material that Split uses.
    private static void Hkdf(ReadOnlySpan<byte> chainingKey, ReadOnlySpan<byte> inputKeyMaterial, Span<byte> output)
    {
        Span<byte> temp = stackalloc byte[HashLength];
        Span<byte> block = stackalloc byte[HashLength + 1];
        HMACSHA256.HashData(chainingKey, inputKeyMaterial, temp);
        block[0] = 1;
        HMACSHA256.HashData(temp, block[..1], output[..HashLength]);
        output[..HashLength].CopyTo(block);
        block[HashLength] = 2;
        HMACSHA256.HashData(temp, block, output[HashLength..(2 * HashLength)]);
        CryptographicOperations.ZeroMemory(temp);
        CryptographicOperations.ZeroMemory(block);
    }

    // MixKey: HKDF(ck, ikm) -> ck, k.
    private void MixKey(byte[] inputKeyMaterial)
    {
        Span<byte> output = stackalloc byte[2 * HashLength];
        Hkdf(_chainingKey, inputKeyMaterial, output);
        output[..HashLength].CopyTo(_chainingKey);
        _cipher.InitializeKey(output[HashLength..]);
        CryptographicOperations.ZeroMemory(output);
        CryptographicOperations.ZeroMemory(inputKeyMaterial);
    }

    private void MixHash(ReadOnlySpan<byte> data)
    {
        using var sha = System.Security.Cryptography.IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(_hash);
        sha.AppendData(data);
        sha.GetHashAndReset(_hash);
    }

    private int EncryptAndHash(ReadOnlySpan<byte> plaintext, Span<byte> destination)
    {
        int written = _cipher.Encrypt(_hash, plaintext, destination);
        MixHash(destination[..written]);
        return written;
    }

    private byte[] DecryptAndHash(ReadOnlySpan<byte> ciphertext)
    {
        int length = _cipher.HasKey ? ciphertext.Length - NoiseCipherState.TagLength : ciphertext.Length;
        if (length < 0)
        {
            throw new LibP2pProtocolException("noise: a handshake field is shorter than its tag.");
        }

        byte[] plaintext = new byte[length];
        _cipher.Decrypt(_hash, ciphertext, plaintext);
        MixHash(ciphertext);
        return plaintext;
    }
}
