using System.Net;
using System.Net.Sockets;
using System.Text;

namespace DhtNet.Cli.Input;

/// <summary>
/// Checks of command-line values. Each failure is a <see cref="CliException"/> (exit code 1) whose
/// message names the argument and says what is wrong, e.g. "infohash must be 40 hex digits, got 39".
/// </summary>
internal static class Inputs
{
    /// <summary>A 20-byte key, id, infohash or target written as 40 hex digits.</summary>
    public static NodeId Hex20(string name, string? text)
    {
        text = text?.Trim() ?? string.Empty;
        if (text.Length != NodeId.Size * 2)
        {
            throw CliException.BadInput($"{name} must be 40 hex digits, got {text.Length}");
        }

        if (!NodeId.TryParse(text, out var id))
        {
            throw CliException.BadInput($"{name} must be 40 hex digits, got '{text}', which is not hexadecimal");
        }

        return id;
    }

    /// <summary>A UDP port to bind: 0 (any free port) to 65535.</summary>
    public static int BindPort(string name, int port) =>
        port is >= 0 and <= IPEndPoint.MaxPort ? port : throw CliException.BadInput($"{name} must be 0..65535, got {port}");

    /// <summary>A port to announce or reach: 1 to 65535.</summary>
    public static int Port(string name, int port) =>
        port is >= 1 and <= IPEndPoint.MaxPort ? port : throw CliException.BadInput($"{name} must be 1..65535, got {port}");

    public static int AtLeast(string name, int value, int minimum) =>
        value >= minimum ? value : throw CliException.BadInput($"{name} must be at least {minimum}, got {value}");

    public static TimeSpan Seconds(string name, double seconds) =>
        seconds > 0 && double.IsFinite(seconds) && seconds <= int.MaxValue / 1000
            ? TimeSpan.FromSeconds(seconds)
            : throw CliException.BadInput($"{name} must be a positive number of seconds, got {seconds}");

    /// <summary>A "host:port" written by the user (hostnames are resolved later).</summary>
    public static HostPort HostPort(string name, string text)
    {
        try
        {
            return DhtNet.Mainline.HostPort.Parse(text.Trim(), name);
        }
        catch (ArgumentException e)
        {
            throw CliException.BadInput(e.Message.Split(" (Parameter", 2)[0].TrimEnd('.'));
        }
    }

    /// <summary>Resolves a "host:port" to one endpoint, preferring IPv4.</summary>
    public static async Task<IPEndPoint> ResolveAsync(string name, string text, CancellationToken cancellationToken)
    {
        var hostPort = HostPort(name, text);
        IPEndPoint[] endPoints;
        try
        {
            endPoints = await hostPort.ResolveAsync(cancellationToken);
        }
        catch (SocketException e)
        {
            throw CliException.BadInput($"{name}: cannot resolve '{hostPort.Host}' ({e.Message})");
        }

        return endPoints.FirstOrDefault(e => e.AddressFamily == AddressFamily.InterNetwork)
            ?? endPoints.FirstOrDefault()
            ?? throw CliException.BadInput($"{name}: '{hostPort.Host}' has no address");
    }

    /// <summary>
    /// Bootstrap nodes from "--bootstrap a:1,b:2" (repeatable): null or empty gives
    /// <paramref name="fallback"/>, "none" gives an empty list.
    /// </summary>
    public static IReadOnlyList<string> Bootstrap(string name, string[]? values, IReadOnlyList<string> fallback)
    {
        var entries = (values ?? []).SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList();
        if (entries.Count == 0)
        {
            return fallback;
        }

        if (entries.Any(e => e.Equals("none", StringComparison.OrdinalIgnoreCase)))
        {
            return entries.Count == 1 ? [] : throw CliException.BadInput($"{name}: 'none' cannot be combined with addresses");
        }

        return [.. entries.Select(e => HostPort(name, e).ToString())];
    }

    /// <summary>Addresses to bind (comma separated or repeated), at most one per address family.</summary>
    public static IReadOnlyList<IPAddress>? BindAddresses(string name, string[]? values)
    {
        var entries = (values ?? []).SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList();
        if (entries.Count == 0)
        {
            return null;
        }

        var addresses = new List<IPAddress>();
        foreach (string entry in entries)
        {
            if (!IPAddress.TryParse(entry.Trim('[', ']'), out var address))
            {
                throw CliException.BadInput($"{name} takes IP addresses, got '{entry}'");
            }

            if (addresses.Any(a => a.AddressFamily == address.AddressFamily))
            {
                throw CliException.BadInput($"{name} takes at most one IPv4 and one IPv6 address, got '{string.Join(",", entries)}'");
            }

            addresses.Add(address);
        }

        return addresses;
    }

    /// <summary>A BEP 44 salt given as text: its UTF-8 bytes, at most 64.</summary>
    public static byte[] Salt(string name, string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return [];
        }

        byte[] salt = Encoding.UTF8.GetBytes(text);
        return salt.Length <= ItemRules.MaxSaltSize
            ? salt
            : throw CliException.BadInput($"{name} must be at most {ItemRules.MaxSaltSize} bytes, got {salt.Length}");
    }

    public static long NonNegative(string name, long value) =>
        value >= 0 ? value : throw CliException.BadInput($"{name} must be 0 or more, got {value}");
}
