using System.Net;

namespace DhtNet.Cli.Api;

/// <summary>Where `dht node` serves its HTTP API, and the bearer token it demands (if any).</summary>
internal sealed record ApiSettings(IPEndPoint EndPoint, string? Token)
{
    public const string DefaultAddress = "127.0.0.1:5001";

    /// <summary>Shortest token accepted: a guessable token on a public address is no protection.</summary>
    public const int MinTokenLength = 16;

    /// <summary>
    /// Reads --api and --api-token: null for "none"; a literal address (the API does not resolve
    /// names, so that what it binds is what the operator wrote). A non-loopback address needs a token.
    /// </summary>
    public static ApiSettings? Parse(string option, string text, string tokenOption, string? token)
    {
        if (text.Equals("none", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        // Not HostPort.Parse: port 0 (a free port) is allowed here.
        int colon = text.LastIndexOf(':');
        string host = colon > 0 ? text[..colon].Trim('[', ']') : "";
        var address = host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
            ? IPAddress.Loopback
            : IPAddress.TryParse(host, out var literal) && !(literal.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 && !text.StartsWith('['))
                ? literal
                : throw Input.CliException.BadInput($"{option}: expected an IP address and port such as 127.0.0.1:5001 or [::1]:5001, or none; got '{text}'");
        if (!int.TryParse(text.AsSpan(colon + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int port) || port > 65535)
        {
            throw Input.CliException.BadInput($"{option}: port must be 0 to 65535 (0 picks a free one); got '{text}'");
        }

        if (token is not null && token.Length < MinTokenLength)
        {
            throw Input.CliException.BadInput($"{tokenOption}: at least {MinTokenLength} characters");
        }

        if (!IPAddress.IsLoopback(address) && token is null)
        {
            throw Input.CliException.BadInput($"{option} {text} is reachable from other hosts: give {tokenOption} as well (clients send it as 'Authorization: Bearer <token>')");
        }

        return new ApiSettings(new IPEndPoint(address, port), token);
    }
}
