using DhtNet.Ipfs.Messages;
using DhtNet.LibP2p;

namespace DhtNet.Ipfs;

/// <summary>
/// How an <see cref="IpfsDhtNode"/> reaches other peers: one kad request and its reply, or one message
/// with no reply (ADD_PROVIDER). <see cref="LibP2pKadMessenger"/> speaks <c>/ipfs/kad/1.0.0</c> over libp2p
/// streams; a test plugs in an in-memory network with a virtual clock.
/// </summary>
public interface IKadMessenger
{
    /// <summary>This node's peer id.</summary>
    PeerId Self { get; }

    /// <summary>This node's addresses as other peers should dial them.</summary>
    IReadOnlyList<Multiaddr> SelfAddresses { get; }

    /// <summary>
    /// Sends <paramref name="request"/> to <paramref name="peer"/> and reads its reply: null when the peer
    /// could not be reached, reset the stream, sent a malformed reply or did not answer within the timeout.
    /// Never throws for a network failure; throws <see cref="OperationCanceledException"/> on cancellation.
    /// </summary>
    Task<KadMessage?> SendRequestAsync(PeerInfo peer, KadMessage request, CancellationToken cancellationToken = default);

    /// <summary>Sends a message that has no reply (ADD_PROVIDER); false when it could not be delivered.</summary>
    Task<bool> SendMessageAsync(PeerInfo peer, KadMessage message, CancellationToken cancellationToken = default);

    /// <summary>Whether <paramref name="peer"/> is known to serve <c>/ipfs/kad/1.0.0</c> (identify said so): only those enter the routing table.</summary>
    bool IsDhtServer(PeerId peer);
}
