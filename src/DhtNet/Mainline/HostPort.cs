using System.Globalization;
using System.Net;

namespace DhtNet.Mainline;

/// <summary>A "host:port" pair as users write it ("router.example:6881", "127.0.0.1:6881", "[::1]:6881").</summary>
public readonly record struct HostPort(string Host, int Port)
{
    /// <summary>Parses "host:port"; throws <see cref="ArgumentException"/> naming <paramref name="argumentName"/>.</summary>
    public static HostPort Parse(string text, string argumentName = "address")
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            throw new ArgumentException($"{argumentName} must be host:port, got an empty string.", argumentName);
        }

        int colon = text.LastIndexOf(':');
        if (colon <= 0 || colon == text.Length - 1)
        {
            throw new ArgumentException($"{argumentName} must be host:port, got '{text}'.", argumentName);
        }

        string host = text[..colon];
        if (host.StartsWith('[') && host.EndsWith(']'))
        {
            host = host[1..^1];
        }
        else if (host.Contains(':'))
        {
            throw new ArgumentException($"{argumentName}: write an IPv6 address in brackets, as [::1]:6881; got '{text}'.", argumentName);
        }

        if (!int.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int port) || port is < 1 or > IPEndPoint.MaxPort)
        {
            throw new ArgumentException($"{argumentName}: port must be 1..65535, got '{text[(colon + 1)..]}'.", argumentName);
        }

        return new HostPort(host, port);
    }

    /// <summary>Resolves the host by DNS (or parses a literal address) to every endpoint it names.</summary>
    public async Task<IPEndPoint[]> ResolveAsync(CancellationToken cancellationToken = default)
    {
        if (IPAddress.TryParse(Host, out var literal))
        {
            return [new IPEndPoint(literal, Port)];
        }

        var addresses = await Dns.GetHostAddressesAsync(Host, cancellationToken).ConfigureAwait(false);
        int port = Port;
        return Array.ConvertAll(addresses, a => new IPEndPoint(a, port));
    }

    public override string ToString() => Host.Contains(':') ? $"[{Host}]:{Port}" : $"{Host}:{Port}";
}
