using System.Net;
using DhtNet.LibP2p;

namespace DhtNet.Ipfs.Bootstrap;

/// <summary>
/// Resolves <c>/dnsaddr/&lt;host&gt;</c> multiaddrs as libp2p does: the TXT records of <c>_dnsaddr.&lt;host&gt;</c>
/// hold <c>dnsaddr=&lt;multiaddr&gt;</c> entries, which may name further dnsaddrs (followed up to
/// <see cref="DnsAddrResolverOptions.MaxDepth"/> levels). When the address ends in <c>/p2p/&lt;peer id&gt;</c>
/// only the entries for that peer are kept. Bounded in depth, queries and addresses; every answer is
/// treated as hostile (entries that are not multiaddrs are skipped).
/// </summary>
public sealed class DnsAddrResolver
{
    /// <summary>The prefix of a dnsaddr TXT entry.</summary>
    public const string EntryPrefix = "dnsaddr=";

    private readonly DnsAddrResolverOptions _options;

    /// <param name="options">The DNS server, timeout and bounds; null for the system's resolver and the defaults.</param>
    public DnsAddrResolver(DnsAddrResolverOptions? options = null)
    {
        _options = options ?? new DnsAddrResolverOptions();
        _options.Validate();
    }

    /// <summary>
    /// The first <c>nameserver</c> of a resolv.conf file (port 53), or null when it names none.
    /// </summary>
    public static IPEndPoint? SystemNameServer(string resolvConfPath = "/etc/resolv.conf")
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines(resolvConfPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        foreach (string line in lines)
        {
            string[] fields = line.Split((char[])[' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length >= 2 && fields[0] == "nameserver" && IPAddress.TryParse(fields[1].Split('%')[0], out var address))
            {
                return new IPEndPoint(address, 53);
            }
        }

        return null;
    }

    /// <summary>
    /// <paramref name="addresses"/> with every <c>/dnsaddr/</c> one replaced by what it resolves to (others kept
    /// as they are), without duplicates; a name asked for twice is asked once. A name that cannot be resolved
    /// goes to <paramref name="onFailure"/> and the rest go on; without it, it throws <see cref="DnsAddrException"/>.
    /// </summary>
    public async Task<IReadOnlyList<Multiaddr>> ResolveAllAsync(
        IEnumerable<Multiaddr> addresses, Action<Multiaddr, DnsAddrException>? onFailure = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(addresses);
        var run = new Resolution(this);
        var all = new List<Multiaddr>();
        foreach (var address in addresses)
        {
            IReadOnlyList<Multiaddr> resolved;
            try
            {
                resolved = await run.ResolveAsync(address, cancellationToken).ConfigureAwait(false);
            }
            catch (DnsAddrException e) when (onFailure is not null)
            {
                onFailure(address, e);
                continue;
            }

            foreach (var entry in resolved)
            {
                if (!all.Contains(entry))
                {
                    all.Add(entry);
                }
            }
        }

        return all;
    }

    /// <summary>What <paramref name="address"/> resolves to: itself when it is not a <c>/dnsaddr/</c>.</summary>
    public Task<IReadOnlyList<Multiaddr>> ResolveAsync(Multiaddr address, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(address);
        return new Resolution(this).ResolveAsync(address, cancellationToken);
    }

    /// <summary>True when <paramref name="address"/> starts with <c>/dnsaddr/</c>.</summary>
    public static bool IsDnsAddr(Multiaddr address)
    {
        ArgumentNullException.ThrowIfNull(address);
        return address.Components.Count > 0 && address.Components[0].Protocol == MultiaddrProtocol.DnsAddr;
    }

    /// <summary>One resolution: its query budget, and the TXT answers it already has (the Amino list names one host four times).</summary>
    private sealed class Resolution(DnsAddrResolver resolver)
    {
        private readonly Dictionary<string, IReadOnlyList<string>> _answers = new(StringComparer.OrdinalIgnoreCase);
        private int _queries;

        private DnsAddrResolverOptions Options => resolver._options;

        public async Task<IReadOnlyList<Multiaddr>> ResolveAsync(Multiaddr address, CancellationToken cancellationToken)
        {
            if (!IsDnsAddr(address))
            {
                return [address];
            }

            var found = new List<Multiaddr>();
            await ExpandAsync(address, address.PeerId, 1, found, cancellationToken).ConfigureAwait(false);
            return found;
        }

        private async Task ExpandAsync(Multiaddr address, PeerId? peer, int depth, List<Multiaddr> found, CancellationToken cancellationToken)
        {
            string host = address.Components[0].ValueText;
            foreach (string text in await TxtAsync($"_dnsaddr.{host}", cancellationToken).ConfigureAwait(false))
            {
                if (found.Count >= Options.MaxAddresses)
                {
                    return;
                }

                if (!text.StartsWith(EntryPrefix, StringComparison.Ordinal) || !Multiaddr.TryParse(text[EntryPrefix.Length..], out var entry))
                {
                    continue;
                }

                // A peer-specific dnsaddr keeps only that peer's entries (an entry without /p2p/ names no peer).
                if (peer is { } wanted && entry.PeerId != wanted)
                {
                    continue;
                }

                if (!IsDnsAddr(entry))
                {
                    if (!found.Contains(entry))
                    {
                        found.Add(entry);
                    }
                }
                else if (depth < Options.MaxDepth)
                {
                    await ExpandAsync(entry, peer ?? entry.PeerId, depth + 1, found, cancellationToken).ConfigureAwait(false);
                }
            }
        }

        private async Task<IReadOnlyList<string>> TxtAsync(string name, CancellationToken cancellationToken)
        {
            if (_answers.TryGetValue(name, out var known))
            {
                return known;
            }

            if (++_queries > Options.MaxQueries)
            {
                throw new DnsAddrException($"{name}: more than {Options.MaxQueries} DNS queries for one resolution");
            }

            var server = Options.NameServer ?? SystemNameServer()
                ?? throw new DnsAddrException($"{name}: no DNS server (no nameserver in /etc/resolv.conf, and none given)");
            var answer = await DnsTxtClient.QueryAsync(server, name, Options.QueryTimeout, cancellationToken).ConfigureAwait(false);
            _answers[name] = answer;
            return answer;
        }
    }
}
