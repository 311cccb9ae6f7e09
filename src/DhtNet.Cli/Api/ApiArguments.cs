using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace DhtNet.Cli.Api;

/// <summary>Reads the query parameters of an RPC request, bounded, naming the argument on every refusal.</summary>
internal static class ApiArguments
{
    /// <summary>More <c>arg</c> values than any command takes is a malformed request, not a batch.</summary>
    public const int MaxArgs = 8;

    /// <summary>Longer than any key, name or id a network takes (a CID or an /ipns/ key is well under it).</summary>
    public const int MaxArgLength = 512;

    /// <summary>Upper bound of <c>timeout</c>: no lookup should hold a request longer.</summary>
    public static readonly TimeSpan MaxTimeout = TimeSpan.FromMinutes(10);

    /// <summary>Upper bound of <c>num-providers</c> (BEP 5 swarms are larger, an answer need not be).</summary>
    public const int MaxProviders = 1000;

    public const int DefaultProviders = 20;

    /// <summary>The <paramref name="index"/>th <c>arg</c>; every request takes exactly <paramref name="count"/>.</summary>
    public static string Arg(HttpRequest request, int count, int index = 0)
    {
        var values = request.Query["arg"];
        if (values.Count > MaxArgs)
        {
            throw new ApiArgumentException("arg", $"at most {MaxArgs} values, got {values.Count}");
        }

        if (values.Count != count)
        {
            throw new ApiArgumentException("arg", count == 1 ? "argument \"key\" is required (exactly one arg)" : $"expected {count} values, got {values.Count}");
        }

        return Checked(values[index]);
    }

    /// <summary>Every <c>arg</c>, at least <paramref name="min"/> and at most <see cref="MaxArgs"/>.</summary>
    public static IReadOnlyList<string> Args(HttpRequest request, int min)
    {
        var values = request.Query["arg"];
        if (values.Count > MaxArgs)
        {
            throw new ApiArgumentException("arg", $"at most {MaxArgs} values, got {values.Count}");
        }

        if (values.Count < min)
        {
            throw new ApiArgumentException("arg", $"argument is required (at least {min})");
        }

        return [.. values.Select(Checked)];
    }

    /// <summary>The single <c>arg</c> of a command where it is optional; null when absent.</summary>
    public static string? OptionalArg(HttpRequest request) =>
        request.Query["arg"].Count == 0 ? null : Arg(request, 1);

    /// <summary>A text option given at most once, or null.</summary>
    public static string? Option(HttpRequest request, string name)
    {
        string? value = Single(request, name);
        return value is { Length: > MaxArgLength }
            ? throw new ApiArgumentException(name, $"at most {MaxArgLength} characters, got {value.Length}")
            : value;
    }

    /// <summary>A boolean option as Go's strconv.ParseBool reads it (kubo's flags); <paramref name="fallback"/> when absent.</summary>
    public static bool Flag(HttpRequest request, string name, bool fallback)
    {
        string? text = Single(request, name);
        return text switch
        {
            null => fallback,
            "" or "1" or "t" or "T" or "true" or "TRUE" or "True" => true,
            "0" or "f" or "F" or "false" or "FALSE" or "False" => false,
            _ => throw new ApiArgumentException(name, $"expected true or false; got '{Shorten(text)}'"),
        };
    }

    /// <summary>A whole-number option within [<paramref name="min"/>, <paramref name="max"/>]; <paramref name="fallback"/> when absent.</summary>
    public static int Number(HttpRequest request, string name, int fallback, int min, int max)
    {
        string? text = Single(request, name);
        if (text is null)
        {
            return fallback;
        }

        return int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int value) && value >= min && value <= max
            ? value
            : throw new ApiArgumentException(name, $"expected a whole number from {min} to {max}; got '{Shorten(text)}'");
    }

    /// <summary>A duration option (see <see cref="TryParseDuration"/>), above zero and at most <paramref name="max"/>.</summary>
    public static TimeSpan Duration(HttpRequest request, string name, TimeSpan fallback, TimeSpan max)
    {
        string? text = Single(request, name);
        if (text is null)
        {
            return fallback;
        }

        return TryParseDuration(text, out var value) && value > TimeSpan.Zero && value <= max
            ? value
            : throw new ApiArgumentException(name, $"expected a duration such as 30s or 24h, above zero and at most {max.TotalHours:0} h; got '{Shorten(text)}'");
    }

    private static string Checked(string? value)
    {
        value ??= "";
        if (value.Length == 0)
        {
            throw new ApiArgumentException("arg", "must not be empty");
        }

        if (value.Length > MaxArgLength)
        {
            throw new ApiArgumentException("arg", $"at most {MaxArgLength} characters, got {value.Length}");
        }

        return value;
    }

    /// <summary>
    /// <c>timeout</c> as Go writes durations ("500ms", "30s", "1m30s", "2h"); a bare number is
    /// milliseconds. Null when absent.
    /// </summary>
    public static TimeSpan? Timeout(HttpRequest request)
    {
        string? text = Single(request, "timeout");
        if (text is null)
        {
            return null;
        }

        if (!TryParseDuration(text, out var timeout) || timeout <= TimeSpan.Zero || timeout > MaxTimeout)
        {
            throw new ApiArgumentException("timeout", $"expected a duration such as 500ms or 30s, above zero and at most {MaxTimeout.TotalMinutes:0} minutes; got '{Shorten(text)}'");
        }

        return timeout;
    }

    /// <summary><c>num-providers</c>, 1 to <see cref="MaxProviders"/>.</summary>
    public static int Providers(HttpRequest request)
    {
        string? text = Single(request, "num-providers");
        if (text is null)
        {
            return DefaultProviders;
        }

        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int count) && count is >= 1 and <= MaxProviders
            ? count
            : throw new ApiArgumentException("num-providers", $"expected a whole number from 1 to {MaxProviders}; got '{Shorten(text)}'");
    }

    public static bool TryParseDuration(string text, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        if (text.Length is 0 or > 32)
        {
            return false;
        }

        if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long bare))
        {
            duration = TimeSpan.FromMilliseconds(bare);
            return true;
        }

        var rest = text.AsSpan();
        double ticks = 0;
        while (!rest.IsEmpty)
        {
            int digits = 0;
            while (digits < rest.Length && (char.IsAsciiDigit(rest[digits]) || rest[digits] == '.'))
            {
                digits++;
            }

            int unitLength = 0;
            while (digits + unitLength < rest.Length && (char.IsAsciiLetter(rest[digits + unitLength]) || rest[digits + unitLength] == 'µ'))
            {
                unitLength++;
            }

            if (digits == 0 || unitLength == 0
                || !double.TryParse(rest[..digits], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double amount))
            {
                return false;
            }

            double scale = rest.Slice(digits, unitLength) switch
            {
                "ns" => TimeSpan.TicksPerMillisecond / 1e6,
                "us" or "µs" => TimeSpan.TicksPerMillisecond / 1e3,
                "ms" => TimeSpan.TicksPerMillisecond,
                "s" => TimeSpan.TicksPerSecond,
                "m" => TimeSpan.TicksPerMinute,
                "h" => TimeSpan.TicksPerHour,
                _ => double.NaN,
            };
            if (double.IsNaN(scale))
            {
                return false;
            }

            ticks += amount * scale;
            rest = rest[(digits + unitLength)..];
        }

        if (ticks > TimeSpan.MaxValue.Ticks)
        {
            return false;
        }

        // Anything above zero is at least one tick, so "1ns" is a deadline already past, not no deadline.
        duration = TimeSpan.FromTicks(ticks > 0 ? Math.Max(1, (long)ticks) : 0);
        return true;
    }

    private static string? Single(HttpRequest request, string name)
    {
        var values = request.Query[name];
        return values.Count switch
        {
            0 => null,
            1 => values[0],
            _ => throw new ApiArgumentException(name, "given more than once"),
        };
    }

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "…";
}
