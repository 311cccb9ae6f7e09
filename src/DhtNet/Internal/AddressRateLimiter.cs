using System.Net;

namespace DhtNet.Internal;

/// <summary>
/// A token bucket per remote address, so one host cannot keep a node busy answering it. Loopback
/// addresses are never limited (they are this machine). At most <c>maxAddresses</c> buckets are
/// kept; the least recently seen address is forgotten first, which only ever forgives it.
/// </summary>
internal sealed class AddressRateLimiter(TimeProvider time, double ratePerSecond, double burst, int maxAddresses = 4096)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<IPAddress, Bucket> _buckets = [];
    private readonly RecencyList<Bucket> _bySeen = new();

    /// <summary>Addresses with a bucket now (at most <c>maxAddresses</c>).</summary>
    public int AddressCount
    {
        get
        {
            lock (_lock)
            {
                return _buckets.Count;
            }
        }
    }

    /// <summary>Queries refused so far.</summary>
    public long Refused { get; private set; }

    /// <summary>Takes one token for <paramref name="address"/>; false when it is over its rate.</summary>
    public bool TryTake(IPAddress address)
    {
        if (ratePerSecond <= 0 || IPAddress.IsLoopback(address))
        {
            return true;
        }

        lock (_lock)
        {
            long now = time.GetTimestamp();
            if (!_buckets.TryGetValue(address, out var bucket))
            {
                if (_buckets.Count >= maxAddresses && _bySeen.Oldest is { } oldest)
                {
                    _bySeen.Remove(oldest);
                    _buckets.Remove(oldest.Address);
                }

                bucket = new Bucket(address) { Tokens = burst, Last = now };
                _buckets.Add(address, bucket);
            }

            _bySeen.MoveToNewest(bucket);
            bucket.Tokens = Math.Min(burst, bucket.Tokens + (time.GetElapsedTime(bucket.Last, now).TotalSeconds * ratePerSecond));
            bucket.Last = now;
            if (bucket.Tokens < 1)
            {
                Refused++;
                return false;
            }

            bucket.Tokens -= 1;
            return true;
        }
    }

    private sealed class Bucket(IPAddress address) : RecencyNode<Bucket>
    {
        public IPAddress Address { get; } = address;

        public double Tokens { get; set; }

        public long Last { get; set; }
    }
}
