namespace DhtNet.Cli.Api;

/// <summary>
/// The networks a node runs, in the order it lists them, and which of them an argument belongs to:
/// the one that reads it exactly (an infohash is Mainline's, a sha2-256 CID or an /ipns/ key IPFS's),
/// else the first that reads it at all. A request may name the network outright with <c>network=</c>.
/// </summary>
internal sealed class RoutingNetworks
{
    public RoutingNetworks(IReadOnlyList<IRoutingNetwork> networks)
    {
        if (networks.Count == 0)
        {
            throw new ArgumentException("The API needs at least one network.", nameof(networks));
        }

        All = networks;
    }

    public IReadOnlyList<IRoutingNetwork> All { get; }

    /// <summary>The network /api/v0/id describes: IPFS when the node runs it (the clients are IPFS clients).</summary>
    public IRoutingNetwork Primary => Find("ipfs") ?? All[0];

    /// <summary>The network that serves IPNS names, or null.</summary>
    public IRoutingNetwork? Ipns => All.FirstOrDefault(n => n.SupportsIpns);

    public IRoutingNetwork? Find(string name) => All.FirstOrDefault(n => n.Name == name);

    /// <summary>
    /// The network <paramref name="text"/> (argument <paramref name="argument"/>) belongs to, as
    /// <paramref name="kinds"/> in order of preference; <paramref name="named"/> (the request's
    /// <c>network</c> parameter) wins when given.
    /// </summary>
    /// <exception cref="ApiArgumentException">No network reads it, or the named network is not running.</exception>
    public IRoutingNetwork For(string argument, string text, string? named, params KeyKind[] kinds)
    {
        if (named is not null)
        {
            return Find(named) ?? throw new ApiArgumentException("network", $"'{Shorten(named)}' is not running here; this node runs {string.Join(", ", All.Select(n => n.Name))}");
        }

        if (All.Count == 1)
        {
            return All[0];
        }

        IRoutingNetwork? fallback = null;
        foreach (var kind in kinds)
        {
            foreach (var network in All)
            {
                switch (network.Match(kind, text))
                {
                    case KeyMatch.Exact:
                        return network;
                    case KeyMatch.Fallback:
                        fallback ??= network;
                        break;
                }
            }
        }

        return fallback ?? throw new ApiArgumentException(argument, $"not a key of any network this node runs ({string.Join("; ", All.Select(n => $"{n.Name}: {Expected(n, kinds[0])}"))})");
    }

    private static string Expected(IRoutingNetwork network, KeyKind kind) => kind switch
    {
        KeyKind.Peer => network.Name == "ipfs" ? "a peer id" : "a node id",
        KeyKind.Record => network.Name == "ipfs" ? "/ipns/<peer id> or /pk/<peer id>" : "an item name or infohash",
        _ => network.Name == "ipfs" ? "a CID" : "an infohash",
    };

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "…";
}
