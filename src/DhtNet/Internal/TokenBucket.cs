namespace DhtNet.Internal;

/// <summary>
/// A token bucket on a <see cref="TimeProvider"/>: up to <c>ratePerSecond</c> takes per second on
/// average, with bursts up to <c>burst</c>. Guards costly work a remote peer can trigger at will
/// (signature checks of BEP 44 puts).
/// </summary>
internal sealed class TokenBucket(TimeProvider time, double ratePerSecond, double burst)
{
    private readonly Lock _lock = new();
    private readonly double _burst = burst;
    private double _tokens = burst;
    private long _last = time.GetTimestamp();

    public bool TryTake()
    {
        lock (_lock)
        {
            long now = time.GetTimestamp();
            _tokens = Math.Min(_burst, _tokens + (time.GetElapsedTime(_last, now).TotalSeconds * ratePerSecond));
            _last = now;
            if (_tokens < 1)
            {
                return false;
            }

            _tokens -= 1;
            return true;
        }
    }
}
