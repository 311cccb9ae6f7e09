using System.Globalization;
using System.Net;
using DhtNet.Mainline;
using Microsoft.Extensions.Configuration;

namespace DhtNet.Hosting;

/// <summary>
/// Reads <see cref="DhtOptions"/> from a configuration section key by key. Written out rather than
/// left to ConfigurationBinder because the options are an init-only record with types the binder
/// cannot parse (IPAddress, NodeId), because a list from configuration must replace the default
/// (the binder appends to it), because a misspelt key must fail instead of being ignored, and
/// because reflection binding is not trim- or AOT-safe.
/// </summary>
internal static class DhtOptionsBinder
{
    private delegate DhtOptions Apply(DhtOptions options, IConfigurationSection setting);

    // One entry per DhtOptions property that configuration can set. Not here: IdentityKey (a secret,
    // set it in code), TimeProvider and LoggerFactory (services).
    private static readonly Dictionary<string, Apply> Settings = new(StringComparer.OrdinalIgnoreCase)
    {
        [nameof(DhtOptions.Port)] = (o, s) => o with { Port = Int(s) },
        [nameof(DhtOptions.BindAddresses)] = (o, s) => o with { BindAddresses = List(s, Address) },
        [nameof(DhtOptions.BootstrapNodes)] = (o, s) => o with { BootstrapNodes = List(s, static v => v) },
        [nameof(DhtOptions.NodeId)] = (o, s) => o with { NodeId = Id(s) },
        [nameof(DhtOptions.ReadOnly)] = (o, s) => o with { ReadOnly = Bool(s) },
        [nameof(DhtOptions.EnforceNodeIdSecurity)] = (o, s) => o with { EnforceNodeIdSecurity = Bool(s) },
        [nameof(DhtOptions.K)] = (o, s) => o with { K = Int(s) },
        [nameof(DhtOptions.Alpha)] = (o, s) => o with { Alpha = Int(s) },
        [nameof(DhtOptions.RequestTimeout)] = (o, s) => o with { RequestTimeout = Duration(s) },
        [nameof(DhtOptions.QueryAttempts)] = (o, s) => o with { QueryAttempts = Int(s) },
        [nameof(DhtOptions.SoftTimeout)] = (o, s) => o with { SoftTimeout = Duration(s) },
        [nameof(DhtOptions.MaxPendingQueries)] = (o, s) => o with { MaxPendingQueries = Int(s) },
        [nameof(DhtOptions.PeerTimeToLive)] = (o, s) => o with { PeerTimeToLive = Duration(s) },
        [nameof(DhtOptions.MaxPeersPerInfohash)] = (o, s) => o with { MaxPeersPerInfohash = Int(s) },
        [nameof(DhtOptions.MaxInfohashes)] = (o, s) => o with { MaxInfohashes = Int(s) },
        [nameof(DhtOptions.MaxPeerStoreBytes)] = (o, s) => o with { MaxPeerStoreBytes = Long(s) },
        [nameof(DhtOptions.MaxQueriesPerSecondPerAddress)] = (o, s) => o with { MaxQueriesPerSecondPerAddress = Int(s) },
    };

    /// <summary>
    /// <paramref name="options"/> with every setting of <paramref name="section"/> applied; each key
    /// that is unknown or whose value does not parse adds one message, naming the key's full path, to
    /// <paramref name="errors"/>.
    /// </summary>
    public static DhtOptions Bind(DhtOptions options, IConfigurationSection section, List<string> errors)
    {
        foreach (var setting in section.GetChildren())
        {
            if (!Settings.TryGetValue(setting.Key, out var apply))
            {
                string? near = Spelling.Nearest(setting.Key, Settings.Keys);
                errors.Add(near is null
                    ? $"{setting.Path} is not a DhtNet setting."
                    : $"{setting.Path} is not a DhtNet setting; did you mean {near}?");
                continue;
            }

            try
            {
                options = apply(options, setting);
            }
            catch (FormatException e)
            {
                errors.Add($"{setting.Path}: {e.Message}");
            }
        }

        return options;
    }

    private static string Scalar(IConfigurationSection setting) =>
        setting.Value ?? throw new FormatException("expects a single value, not a section.");

    private static int Int(IConfigurationSection setting) =>
        int.TryParse(Scalar(setting), NumberStyles.Integer, CultureInfo.InvariantCulture, out int value)
            ? value
            : throw new FormatException($"'{setting.Value}' is not a whole number.");

    private static long Long(IConfigurationSection setting) =>
        long.TryParse(Scalar(setting), NumberStyles.Integer, CultureInfo.InvariantCulture, out long value)
            ? value
            : throw new FormatException($"'{setting.Value}' is not a whole number.");

    private static bool Bool(IConfigurationSection setting) =>
        bool.TryParse(Scalar(setting), out bool value)
            ? value
            : throw new FormatException($"'{setting.Value}' is not true or false.");

    private static TimeSpan Duration(IConfigurationSection setting) =>
        TimeSpan.TryParse(Scalar(setting), CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new FormatException($"'{setting.Value}' is not a duration such as 00:00:03 (hh:mm:ss).");

    private static NodeId? Id(IConfigurationSection setting) =>
        Scalar(setting).Length == 0 ? null
        : NodeId.TryParse(setting.Value, out var id) ? id
        : throw new FormatException($"'{setting.Value}' is not a node id (40 hex digits).");

    private static IPAddress Address(string value) =>
        IPAddress.TryParse(value, out var address)
            ? address
            : throw new FormatException($"'{value}' is not an IP address.");

    // A JSON array arrives as children "0", "1", ... (in numeric order); an environment variable or
    // command-line value as one comma-separated string; an empty JSON array as an empty value.
    private static List<T> List<T>(IConfigurationSection setting, Func<string, T> parse)
    {
        var items = new List<T>();
        if (setting.Value is { } joined)
        {
            foreach (var part in joined.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                items.Add(parse(part));
            }

            return items;
        }

        foreach (var child in setting.GetChildren())
        {
            items.Add(parse(child.Value ?? throw new FormatException($"{child.Key}: expects a value, not a section.")));
        }

        return items;
    }
}
