using DhtNet.LibP2p.Identify;

namespace DhtNet.LibP2p.Host;

/// <summary>What identify told us about a peer: its protocols, addresses (less any unspecified 0.0.0.0 or ::, which no one can dial) and software.</summary>
public sealed record PeerIdentity(
    PeerId Peer,
    IReadOnlyList<string> Protocols,
    IReadOnlyList<Multiaddr> ListenAddresses,
    Multiaddr? ObservedAddress,
    string? AgentVersion,
    string? ProtocolVersion)
{
    /// <summary>True when the peer accepts streams for <paramref name="protocol"/> (e.g. <c>/ipfs/kad/1.0.0</c>).</summary>
    public bool Supports(string protocol) => Protocols.Contains(protocol, StringComparer.Ordinal);

    /// <summary>This identity updated by a push: fields absent from the push stay as they were.</summary>
    internal PeerIdentity With(IdentifyMessage push) => this with
    {
        Protocols = push.HasProtocols ? push.Protocols : Protocols,
        ListenAddresses = push.HasListenAddresses ? UnspecifiedAddresses.WithoutUnspecified(push.ListenAddresses) : ListenAddresses,
        ObservedAddress = push.ObservedAddress ?? ObservedAddress,
        AgentVersion = push.AgentVersion ?? AgentVersion,
        ProtocolVersion = push.ProtocolVersion ?? ProtocolVersion,
    };
}
