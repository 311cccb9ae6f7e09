using DhtNet.Internal;
using DhtNet.LibP2p.Crypto;
using DhtNet.LibP2p.Identify;

namespace DhtNet.LibP2p.Host;

public sealed partial class LibP2pHost
{
    /// <summary>What we tell a peer about ourselves on <paramref name="connection"/>.</summary>
    private IdentifyMessage OurIdentify(LibP2pConnection connection) => new()
    {
        ProtocolVersion = _options.ProtocolVersion,
        AgentVersion = _options.AgentVersion,
        PublicKey = _identity.PublicKey.Marshal(),
        ListenAddresses = AdvertisedAddresses,
        ObservedAddress = connection.RemoteAddress,
        Protocols = Protocols,
        HasProtocols = true,
        HasListenAddresses = true,
    };

    private async Task IdentifyAsync(LibP2pConnection connection)
    {
        try
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
            deadline.CancelAfter(_options.NegotiationTimeout);
            await using var stream = await OpenStreamAsync(connection, [IdentifyProtocol.Id], deadline.Token).ConfigureAwait(false);
            stream.CloseWrite();
            var message = await IdentifyProtocol.ReadAsync(stream, deadline.Token).ConfigureAwait(false);
            if (message.PublicKey is { } keyBytes)
            {
                PublicKey key;
                try
                {
                    key = PublicKey.Unmarshal(keyBytes.Span);
                }
                catch (LibP2pFormatException e)
                {
                    throw new LibP2pProtocolException($"identify: the public key is malformed: {e.Message}", e);
                }

                if (!connection.RemotePeer.Matches(key))
                {
                    throw new LibP2pProtocolException("identify: the public key is not the one the peer proved in the handshake.");
                }
            }

            var identity = new PeerIdentity(connection.RemotePeer, message.Protocols, UnspecifiedAddresses.WithoutUnspecified(message.ListenAddresses), message.ObservedAddress, message.AgentVersion, message.ProtocolVersion);
            Learn(identity);
        }
        catch (Exception e) when (!connection.IsClosed)
        {
            Log.IdentifyFailed(_logger, connection.RemotePeer, e);
        }
    }

    private async Task AnswerIdentifyAsync(LibP2pStream stream, CancellationToken cancellationToken)
    {
        await IdentifyProtocol.WriteAsync(stream, OurIdentify(stream.Connection), cancellationToken).ConfigureAwait(false);
        stream.CloseWrite();
    }

    private async Task ReceiveIdentifyPushAsync(LibP2pStream stream, CancellationToken cancellationToken)
    {
        var message = await IdentifyProtocol.ReadAsync(stream, cancellationToken).ConfigureAwait(false);
        var known = _peers.Identity(stream.RemotePeer) ?? new PeerIdentity(stream.RemotePeer, [], [], null, null, null);
        Learn(known.With(message));
    }

    private void Learn(PeerIdentity identity)
    {
        _peers.SetIdentity(identity);
        _peers.AddAddresses(identity.Peer, identity.ListenAddresses);
        Raise(PeerIdentified, identity, nameof(PeerIdentified));
    }

    private void PushIdentifyToAll()
    {
        if (_started == 0 || _disposed != 0)
        {
            return;
        }

        foreach (var connection in Connections)
        {
            PushIdentifyAsync(connection).Observe(_logger, "libp2p identify push");
        }
    }

    private async Task PushIdentifyAsync(LibP2pConnection connection)
    {
        try
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
            deadline.CancelAfter(_options.NegotiationTimeout);
            await using var stream = await OpenStreamAsync(connection, [IdentifyProtocol.PushId], deadline.Token).ConfigureAwait(false);
            await IdentifyProtocol.WriteAsync(stream, OurIdentify(connection), deadline.Token).ConfigureAwait(false);
            stream.CloseWrite();
        }
        catch (Exception e) when (!connection.IsClosed)
        {
            Log.IdentifyFailed(_logger, connection.RemotePeer, e);
        }
    }
}
