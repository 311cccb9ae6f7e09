using System.Net;
using System.Security.Cryptography;
using DhtNet.Mainline.Krpc;

namespace DhtNet.Mainline.Storage;

/// <summary>
/// Issues and checks the write tokens of get_peers/announce_peer (BEP 5) and get/put (BEP 44).
/// A token is the first 8 bytes of HMAC-SHA256(secret, requester IP || target); the secret is
/// replaced every rotation interval (5 minutes by default) and the previous one is still accepted,
/// so a token stays valid for one to two intervals. Rotation happens lazily on use, driven by the
/// injected <see cref="TimeProvider"/>; no timer is needed. Thread-safe.
/// </summary>
internal sealed class TokenManager
{
    /// <summary>Length of the tokens this manager issues.</summary>
    public const int TokenSize = 8;

    /// <summary>The default secret rotation interval (BEP 5: tokens up to ten minutes old are accepted).</summary>
    public static readonly TimeSpan DefaultRotationInterval = TimeSpan.FromMinutes(5);

    private const int SecretSize = 32;

    // IPv6 address (16) + target (20): the largest HMAC input.
    private const int MaxInputSize = CompactEncoding.MaxAddressSize + NodeId.Size;

    private readonly TimeProvider _timeProvider;
    private readonly long _start;
    private readonly double _intervalSeconds;
    private readonly object _lock = new();
    private readonly byte[] _current = new byte[SecretSize];
    private readonly byte[] _previous = new byte[SecretSize];

    // Keyed HMAC states, made once per secret: HMACSHA256.HashData would set up the key (two
    // SHA-256 blocks and a fresh native context) on every token; a reused state only resets.
    // Guarded by the lock; made on first use (a node nobody asks for a token holds no native HMAC
    // context) and dropped when the secrets rotate.
    private IncrementalHash? _currentMac;
    private IncrementalHash? _previousMac;
    private long _epoch;

    public TokenManager(TimeProvider timeProvider)
        : this(timeProvider, DefaultRotationInterval)
    {
    }

    public TokenManager(TimeProvider timeProvider, TimeSpan rotationInterval)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(rotationInterval, TimeSpan.Zero);
        _timeProvider = timeProvider;
        _intervalSeconds = rotationInterval.TotalSeconds;
        _start = timeProvider.GetTimestamp();
        RandomNumberGenerator.Fill(_current);
        RandomNumberGenerator.Fill(_previous);
    }

    /// <summary>How long a secret is current; a token lives between one and two of these.</summary>
    public TimeSpan RotationInterval => TimeSpan.FromSeconds(_intervalSeconds);

    /// <summary>A new token for <paramref name="address"/> and <paramref name="target"/> (an infohash or BEP 44 target).</summary>
    public byte[] CreateToken(IPAddress address, NodeId target)
    {
        var token = new byte[TokenSize];
        WriteToken(address, target, token);
        return token;
    }

    /// <summary>Writes a token into <paramref name="destination"/> without allocating; returns <see cref="TokenSize"/>.</summary>
    public int WriteToken(IPAddress address, NodeId target, Span<byte> destination)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (destination.Length < TokenSize)
        {
            throw new ArgumentException($"A token needs {TokenSize} bytes.", nameof(destination));
        }

        Span<byte> input = stackalloc byte[MaxInputSize];
        int length = WriteInput(address, target, input);
        lock (_lock)
        {
            Rotate();
            Compute(_currentMac ??= Keyed(_current), input[..length], destination);
        }

        return TokenSize;
    }

    /// <summary>
    /// True when <paramref name="token"/> was issued to <paramref name="address"/> for
    /// <paramref name="target"/> under the current or the previous secret.
    /// </summary>
    public bool IsValid(ReadOnlySpan<byte> token, IPAddress address, NodeId target)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (token.Length != TokenSize)
        {
            return false;
        }

        Span<byte> input = stackalloc byte[MaxInputSize];
        int length = WriteInput(address, target, input);
        Span<byte> expectedCurrent = stackalloc byte[TokenSize];
        Span<byte> expectedPrevious = stackalloc byte[TokenSize];
        lock (_lock)
        {
            Rotate();
            Compute(_currentMac ??= Keyed(_current), input[..length], expectedCurrent);
            Compute(_previousMac ??= Keyed(_previous), input[..length], expectedPrevious);
        }

        // Both comparisons always run, and each in constant time, so timing tells nothing about
        // which secret matched or how many bytes did.
        bool matchesCurrent = CryptographicOperations.FixedTimeEquals(token, expectedCurrent);
        bool matchesPrevious = CryptographicOperations.FixedTimeEquals(token, expectedPrevious);
        return matchesCurrent | matchesPrevious;
    }

    // Called under the lock. Epochs count whole intervals since construction; skipping two or more
    // replaces both secrets, so nothing issued before the gap stays valid.
    private void Rotate()
    {
        double elapsed = _timeProvider.GetElapsedTime(_start).TotalSeconds;
        long epoch = (long)Math.Floor(elapsed / _intervalSeconds);
        if (epoch <= _epoch)
        {
            return;
        }

        if (epoch == _epoch + 1)
        {
            _current.CopyTo(_previous, 0);
        }
        else
        {
            RandomNumberGenerator.Fill(_previous);
        }

        RandomNumberGenerator.Fill(_current);
        _previousMac?.Dispose();
        _currentMac?.Dispose();
        _previousMac = null;
        _currentMac = null;
        _epoch = epoch;
    }

    private static IncrementalHash Keyed(byte[] secret) => IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, secret);

    // The address is taken in its on-the-wire form: an IPv4-mapped IPv6 address (a dual-stack
    // socket's view of an IPv4 peer) is the same requester as the plain IPv4 address.
    private static int WriteInput(IPAddress address, NodeId target, Span<byte> input)
    {
        int written = CompactEncoding.WriteAddress(address, input);
        target.WriteTo(input[written..]);
        return written + NodeId.Size;
    }

    private static void Compute(IncrementalHash keyed, ReadOnlySpan<byte> input, Span<byte> destination)
    {
        Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
        keyed.AppendData(input);
        keyed.GetHashAndReset(mac);
        mac[..TokenSize].CopyTo(destination);
    }
}
