namespace DhtNet.Simulation;

/// <summary>
/// Distributions of the extra one-way delay of a link (<see cref="InMemoryNetworkOptions.LinkLatency"/>):
/// each maps a quantile in [0, 1), drawn once per pair of endpoints, to a delay, so a link keeps its
/// delay for the whole run while links differ, as paths across the Internet do.
/// </summary>
public static class LinkLatency
{
    /// <summary>
    /// Log-normal delays: half the links are faster than <paramref name="median"/>, and
    /// <paramref name="sigma"/> (the standard deviation of the logarithm) sets the tail: 0.5 puts
    /// one link in a hundred above 3.2 times the median.
    /// </summary>
    public static Func<double, TimeSpan> LogNormal(TimeSpan median, double sigma)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(median, TimeSpan.Zero, nameof(median));
        if (!(sigma >= 0))
        {
            throw new ArgumentOutOfRangeException(nameof(sigma), sigma, "sigma must be at least 0.");
        }

        return quantile => TimeSpan.FromTicks((long)(median.Ticks * Math.Exp(sigma * NormalQuantile(quantile))));
    }

    /// <summary>Delays spread evenly between <paramref name="min"/> and <paramref name="max"/>.</summary>
    public static Func<double, TimeSpan> Uniform(TimeSpan min, TimeSpan max)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(min, TimeSpan.Zero, nameof(min));
        ArgumentOutOfRangeException.ThrowIfLessThan(max, min, nameof(max));
        return quantile => min + ((max - min) * quantile);
    }

    /// <summary>The quantile of a link, the same for both directions and every run with the same seed.</summary>
    internal static double Quantile(int seed, ulong endpointA, ulong endpointB)
    {
        ulong low = Math.Min(endpointA, endpointB), high = Math.Max(endpointA, endpointB);
        ulong mixed = Mix(Mix(low ^ (ulong)seed) ^ high);
        return (mixed >> 11) * (1.0 / (1UL << 53));
    }

    // SplitMix64's finalizer: every input bit moves about half the output bits.
    internal static ulong Mix(ulong x)
    {
        x += 0x9E3779B97F4A7C15UL;
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL;
        x = (x ^ (x >> 27)) * 0x94D049BB133111EBUL;
        return x ^ (x >> 31);
    }

    // The standard normal quantile (Abramowitz and Stegun 26.2.23, error below 4.5e-4: plenty for delays).
    private static double NormalQuantile(double p)
    {
        p = Math.Clamp(p, 1e-12, 1 - 1e-12);
        double q = p < 0.5 ? p : 1 - p;
        double t = Math.Sqrt(-2 * Math.Log(q));
        double z = t - ((2.515517 + (0.802853 * t) + (0.010328 * t * t)) / (1 + (1.432788 * t) + (0.189269 * t * t) + (0.001308 * t * t * t)));
        return p < 0.5 ? -z : z;
    }
}
