namespace DhtNet.Ipfs.Bootstrap;

/// <summary>
/// The one exception <see cref="DnsAddrResolver"/> throws when a name cannot be resolved: no answer within
/// the timeout, a server failure, or a malformed reply. The message names the DNS name and what went wrong.
/// </summary>
public sealed class DnsAddrException : Exception
{
    public DnsAddrException(string message)
        : base(message)
    {
    }

    public DnsAddrException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
