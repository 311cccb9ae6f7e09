using System.Diagnostics;
using DhtNet.Diagnostics;
using DhtNet.Ipfs.Messages;
using DhtNet.LibP2p;

namespace DhtNet.Ipfs;

/// <summary>
/// The IPFS node's requests as <see cref="DhtActivity"/> <c>dht.request</c> activities, the way the
/// Mainline node's are: tagged with our peer id, the peer asked, the message type and, when it ends,
/// the outcome, the peers its answer named, its providers and the size of its record. Costs one
/// check per request while nobody listens.
/// </summary>
internal sealed class TracedKadMessenger(IKadMessenger inner) : IKadMessenger
{
    private readonly string _self = inner.Self.ToString();

    public PeerId Self => inner.Self;

    public IReadOnlyList<Multiaddr> SelfAddresses => inner.SelfAddresses;

    public bool IsDhtServer(PeerId peer) => inner.IsDhtServer(peer);

    public async Task<KadMessage?> SendRequestAsync(PeerInfo peer, KadMessage request, CancellationToken cancellationToken = default)
    {
        using var activity = Start(peer, request);
        if (activity is null)
        {
            return await inner.SendRequestAsync(peer, request, cancellationToken).ConfigureAwait(false);
        }

        try
        {
            var reply = await inner.SendRequestAsync(peer, request, cancellationToken).ConfigureAwait(false);
            if (reply is null)
            {
                // The messenger folds unreachable, reset, malformed and late into null.
                activity.SetTag(DhtActivity.OutcomeTag, "timeout");
                return null;
            }

            activity.SetTag(DhtActivity.OutcomeTag, "answered");
            if (reply.CloserPeers.Count > 0)
            {
                activity.SetTag(DhtActivity.NodesTag, reply.CloserPeers.Select(Describe).ToArray());
            }

            if (reply.ProviderPeers.Count > 0)
            {
                activity.SetTag(DhtActivity.PeersTag, reply.ProviderPeers.Count);
            }

            if (reply.Record is { } record)
            {
                activity.SetTag(DhtActivity.ValueBytesTag, record.Value.Length);
            }

            return reply;
        }
        catch (OperationCanceledException)
        {
            activity.SetTag(DhtActivity.OutcomeTag, "cancelled");
            throw;
        }
    }

    public async Task<bool> SendMessageAsync(PeerInfo peer, KadMessage message, CancellationToken cancellationToken = default)
    {
        using var activity = Start(peer, message);
        try
        {
            bool sent = await inner.SendMessageAsync(peer, message, cancellationToken).ConfigureAwait(false);
            activity?.SetTag(DhtActivity.OutcomeTag, sent ? "answered" : "failed");
            return sent;
        }
        catch (OperationCanceledException)
        {
            activity?.SetTag(DhtActivity.OutcomeTag, "cancelled");
            throw;
        }
    }

    private Activity? Start(PeerInfo peer, KadMessage message)
    {
        if (!DhtActivity.Source.HasListeners())
        {
            return null;
        }

        return DhtActivity.Source.StartActivity(
            DhtActivity.RequestName,
            ActivityKind.Client,
            Activity.Current?.Context ?? default,
            [
                new(DhtActivity.LocalIdTag, _self),
                new(DhtActivity.PeerIdTag, peer.Id.ToString()),
                new(DhtActivity.PeerAddressTag, peer.Multiaddrs.Count > 0 ? peer.Multiaddrs[0].ToString() : ""),
                new(DhtActivity.QueryTag, QueryName(message.Type)),
            ]);
    }

    // The kad message types as the spec writes them.
    private static string QueryName(KadMessageType type) => type switch
    {
        KadMessageType.PutValue => "PUT_VALUE",
        KadMessageType.GetValue => "GET_VALUE",
        KadMessageType.AddProvider => "ADD_PROVIDER",
        KadMessageType.GetProviders => "GET_PROVIDERS",
        KadMessageType.FindNode => "FIND_NODE",
        KadMessageType.Ping => "PING",
        _ => type.ToString(),
    };

    private static string Describe(KadPeer peer) =>
        PeerId.TryFromBytes(peer.Id.Span, out var id) ? id.ToString() : Convert.ToHexStringLower(peer.Id.Span);
}
