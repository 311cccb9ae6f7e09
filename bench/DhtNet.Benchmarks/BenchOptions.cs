using System.Globalization;

namespace DhtNet.Benchmarks;

/// <summary>Reads <c>--name value</c> options of the side-by-side harnesses.</summary>
internal static class BenchOptions
{
    /// <summary>The positive integer after <paramref name="name"/>, or <paramref name="fallback"/>.</summary>
    public static int Int(string[] args, string name, int fallback)
    {
        int at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length && int.TryParse(args[at + 1], CultureInfo.InvariantCulture, out int value) && value > 0 ? value : fallback;
    }
}
