using System.Net;

namespace DhtNet.Ipfs.Bootstrap;

/// <summary>Where and how <see cref="DnsAddrResolver"/> asks for <c>_dnsaddr</c> TXT records, and its bounds.</summary>
public sealed class DnsAddrResolverOptions
{
    /// <summary>The DNS server to ask; null asks the first <c>nameserver</c> of /etc/resolv.conf (the system's resolver).</summary>
    public IPEndPoint? NameServer { get; init; }

    /// <summary>How long one DNS query may take, over UDP and, for a truncated answer, again over TCP.</summary>
    public TimeSpan QueryTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How many <c>/dnsaddr/</c> levels are followed (an entry may name another dnsaddr).</summary>
    public int MaxDepth { get; init; } = 4;

    /// <summary>Most addresses one resolution returns; entries beyond it are dropped.</summary>
    public int MaxAddresses { get; init; } = 64;

    /// <summary>Most DNS queries one resolution sends, across every level.</summary>
    public int MaxQueries { get; init; } = 32;

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(QueryTimeout, TimeSpan.Zero, nameof(QueryTimeout));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxDepth, 1, nameof(MaxDepth));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxAddresses, 1, nameof(MaxAddresses));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxQueries, 1, nameof(MaxQueries));
    }
}
