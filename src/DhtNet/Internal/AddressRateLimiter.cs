using System.Net;
using System.Security.Cryptography;

namespace DhtNet.Internal;

/// <summary>
/// Token buckets per remote address in a fixed table, so one host cannot keep a node busy
/// answering it. Loopback addresses are never limited (they are this machine).
/// <para>
/// Memory is fixed and nothing is ever forgotten early: an address maps by a keyed hash (a secret
/// per instance, so a sender cannot pick colliding addresses) to two of <c>slots</c> buckets. A
/// query is allowed while either bucket holds a token and takes one from both, so an address alone
/// gets exactly its rate, and addresses sharing a bucket only ever make each other stricter: a
/// flood that shares one of an honest host's buckets cannot drain the other. Every call is O(1).
/// </para>
/// <para>
/// The tables are allocated on first use (a node nobody queries, as most of a large simulation
/// is, holds none), then never grow: the bound is the same, only its cost waits for a sender.
/// </para>
/// <para>
/// Addresses that answered one of our queries (<see cref="MarkResponsive"/>) are known good
/// contacts: they draw on buckets of their own, which no stranger's address can share, at the
/// same rate, so a flood cannot make the node ignore the contacts its routing table relies on.
/// </para>
/// </summary>
internal sealed class AddressRateLimiter
{
    /// <summary>The default table size: 65,536 buckets of 24 bytes, 1.5 MiB.</summary>
    public const int DefaultSlots = 65536;


    private readonly TimeProvider _time;
    private readonly double _ratePerSecond;
    private readonly double _burst;
    private readonly Lock _lock = new();
    private readonly int _slots;
    private readonly int _responsiveSlots;
    private readonly int _mask;
    private readonly int _responsiveMask;
    private readonly int _seed1 = RandomNumberGenerator.GetInt32(int.MinValue, int.MaxValue);
    private readonly int _seed2 = RandomNumberGenerator.GetInt32(int.MinValue, int.MaxValue);
    private long _refused;

    // Allocated under the lock on first use; null until then.
    private Bucket[]? _buckets;

    // Direct-mapped table of known good addresses, a sixteenth of the strangers' table (4,096 at
    // the default size); a newer contact replaces an older one in its slot.
    private Bucket[]? _responsiveBuckets;
    private UInt128[]? _responsiveAddresses;

    public AddressRateLimiter(TimeProvider time, double ratePerSecond, double burst, int slots = DefaultSlots)
    {
        ArgumentNullException.ThrowIfNull(time);
        if (!int.IsPow2(slots))
        {
            throw new ArgumentOutOfRangeException(nameof(slots), slots, "Slots must be a power of two.");
        }

        _time = time;
        _ratePerSecond = ratePerSecond;
        _burst = burst;
        // With the limit off nothing is ever looked up: no table is ever made.
        _slots = ratePerSecond > 0 ? slots : 0;
        _responsiveSlots = Math.Max(1, slots / 16);
        _mask = slots - 1;
        _responsiveMask = _responsiveSlots - 1;
    }

    /// <summary>Buckets in the table (fixed; the memory never grows; none while the limit is off).</summary>
    public int Slots => _slots;

    /// <summary>Whether the tables have been allocated (a sender has been counted or marked).</summary>
    public bool IsAllocated => Volatile.Read(ref _buckets) is not null || Volatile.Read(ref _responsiveBuckets) is not null;

    /// <summary>Queries refused so far.</summary>
    public long Refused => Interlocked.Read(ref _refused);

    /// <summary>Takes one token for <paramref name="address"/>; false when it is over its rate.</summary>
    public bool TryTake(IPAddress address)
    {
        if (_ratePerSecond <= 0 || IPAddress.IsLoopback(address))
        {
            return true;
        }

        var key = Key(address);
        int hash1 = HashCode.Combine(key, _seed1);
        int hash2 = HashCode.Combine(key, _seed2);
        long now = _time.GetTimestamp();
        lock (_lock)
        {
            int responsive = hash1 & _responsiveMask;
            if (_responsiveAddresses is not null && _responsiveBuckets is not null
                && _responsiveAddresses[responsive] == key && _responsiveBuckets[responsive].Used)
            {
                return TakeOwn(ref _responsiveBuckets[responsive], now);
            }

            _buckets ??= new Bucket[_slots];
            ref var first = ref _buckets[hash1 & _mask];
            ref var second = ref _buckets[hash2 & _mask];
            double firstTokens = Refill(ref first, now);
            double secondTokens = Refill(ref second, now);
            if (Math.Max(firstTokens, secondTokens) < 1)
            {
                _refused++;
                return false;
            }

            first.Tokens = Math.Max(0, firstTokens - 1);
            second.Tokens = Math.Max(0, secondTokens - 1);
            return true;
        }
    }

    /// <summary>
    /// Notes that <paramref name="address"/> answered one of our queries, so its own queries are
    /// counted apart from strangers' (see the type's remarks).
    /// </summary>
    public void MarkResponsive(IPAddress address)
    {
        if (_ratePerSecond <= 0 || IPAddress.IsLoopback(address))
        {
            return;
        }

        var key = Key(address);
        int slot = HashCode.Combine(key, _seed1) & _responsiveMask;
        long now = _time.GetTimestamp();
        lock (_lock)
        {
            _responsiveAddresses ??= new UInt128[_responsiveSlots];
            _responsiveBuckets ??= new Bucket[_responsiveSlots];
            if (_responsiveAddresses[slot] != key || !_responsiveBuckets[slot].Used)
            {
                _responsiveAddresses[slot] = key;
                _responsiveBuckets[slot] = new Bucket { Tokens = _burst, Last = now, Used = true };
            }
        }
    }

    // Called under the lock.
    private bool TakeOwn(ref Bucket bucket, long now)
    {
        double tokens = Refill(ref bucket, now);
        if (tokens < 1)
        {
            _refused++;
            return false;
        }

        bucket.Tokens = tokens - 1;
        return true;
    }

    // Called under the lock. A bucket never used starts full.
    private double Refill(ref Bucket bucket, long now)
    {
        double tokens = bucket.Used
            ? Math.Min(_burst, bucket.Tokens + (_time.GetElapsedTime(bucket.Last, now).TotalSeconds * _ratePerSecond))
            : _burst;
        bucket.Tokens = tokens;
        bucket.Last = now;
        bucket.Used = true;
        return tokens;
    }

    // The address as 16 bytes: IPv4 and its IPv4-mapped IPv6 form are one sender.
    private static UInt128 Key(IPAddress address)
    {
        Span<byte> bytes = stackalloc byte[16];
        var normalized = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
        bytes.Clear();
        normalized.TryWriteBytes(bytes, out int written);
        var key = new UInt128(BitConverter.ToUInt64(bytes[8..]), BitConverter.ToUInt64(bytes));
        // Tell 0.0.0.0-style IPv4 keys from the IPv6 ones that share their 16 bytes.
        return written == 4 ? key | ((UInt128)1 << 127) : key;
    }

    private struct Bucket
    {
        public double Tokens;
        public long Last;
        public bool Used;
    }
}
