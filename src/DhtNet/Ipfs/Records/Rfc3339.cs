using System.Globalization;
using System.Text;

namespace DhtNet.Ipfs.Records;

/// <summary>
/// RFC 3339 timestamps with up to nanosecond fractions, as Go's <c>time.RFC3339Nano</c> writes
/// them (IPNS validity, kad record <c>timeReceived</c>). .NET keeps 100 ns ticks, so digits beyond
/// the seventh are read and dropped.
/// </summary>
internal static class Rfc3339
{
    /// <summary>UTC, with the fraction's trailing zeros (and an empty fraction) left out, as Go does.</summary>
    public static string Format(DateTimeOffset time)
    {
        var utc = time.UtcDateTime;
        var builder = new StringBuilder(30);
        builder.Append(utc.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture));
        var nanoseconds = (utc.Ticks % TimeSpan.TicksPerSecond) * 100;
        if (nanoseconds != 0)
        {
            builder.Append('.').Append(nanoseconds.ToString("D9", CultureInfo.InvariantCulture).TrimEnd('0'));
        }

        return builder.Append('Z').ToString();
    }

    /// <summary>Reads <c>YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)</c> in ASCII; false for anything else.</summary>
    public static bool TryParse(ReadOnlySpan<byte> text, out DateTimeOffset time)
    {
        time = default;
        if (text.Length < 20
            || !TryDigits(text, 0, 4, out var year) || text[4] != '-'
            || !TryDigits(text, 5, 2, out var month) || text[7] != '-'
            || !TryDigits(text, 8, 2, out var day) || text[10] != 'T'
            || !TryDigits(text, 11, 2, out var hour) || text[13] != ':'
            || !TryDigits(text, 14, 2, out var minute) || text[16] != ':'
            || !TryDigits(text, 17, 2, out var second))
        {
            return false;
        }

        var i = 19;
        long ticks = 0;
        if (text[i] == '.')
        {
            var start = ++i;
            while (i < text.Length && char.IsAsciiDigit((char)text[i]))
            {
                if (i - start < 7)
                {
                    ticks = (ticks * 10) + (text[i] - '0');
                }

                i++;
            }

            var digits = i - start;
            if (digits is 0 or > 9)
            {
                return false;
            }

            for (var d = Math.Min(digits, 7); d < 7; d++)
            {
                ticks *= 10;
            }
        }

        TimeSpan offset;
        if (i == text.Length - 1 && text[i] == 'Z')
        {
            offset = TimeSpan.Zero;
        }
        else if (i == text.Length - 6 && (text[i] == '+' || text[i] == '-') && text[i + 3] == ':'
            && TryDigits(text, i + 1, 2, out var offsetHours) && TryDigits(text, i + 4, 2, out var offsetMinutes)
            && offsetHours < 24 && offsetMinutes < 60)
        {
            offset = new TimeSpan(offsetHours, offsetMinutes, 0);
            if (text[i] == '-')
            {
                offset = -offset;
            }
        }
        else
        {
            return false;
        }

        if (month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(Math.Max(year, 1), month) || year < 1
            || hour > 23 || minute > 59 || second > 59)
        {
            return false;
        }

        try
        {
            time = new DateTimeOffset(year, month, day, hour, minute, second, offset).AddTicks(ticks);
            return true;
        }
        catch (ArgumentOutOfRangeException)
        {
            // Year 1 with a positive offset or 9999 with a negative one falls outside DateTimeOffset.
            return false;
        }
    }

    private static bool TryDigits(ReadOnlySpan<byte> text, int start, int count, out int value)
    {
        value = 0;
        for (var i = start; i < start + count; i++)
        {
            if (!char.IsAsciiDigit((char)text[i]))
            {
                return false;
            }

            value = (value * 10) + (text[i] - '0');
        }

        return true;
    }
}
