using System.Buffers.Binary;
using DhtNet.LibP2p.Crypto;

namespace DhtNet.LibP2p.Noise;

/// <summary>
/// noise-libp2p: secures a raw connection with the XX handshake, each side proving its libp2p
/// identity by signing its static Noise key. A fresh static key is made per connection (the spec
/// allows it, and nothing is kept that could leak).
/// </summary>
public static class NoiseSecurity
{
    /// <summary>The multistream-select id of noise-libp2p.</summary>
    public const string ProtocolId = "/noise";

    /// <summary>
    /// As the dialer: runs the handshake and returns the secured stream. When <paramref name="expectedPeer"/>
    /// is given, a peer proving any other identity is refused. Throws <see cref="LibP2pProtocolException"/>
    /// for a malformed or forged handshake; the caller closes <paramref name="transport"/>.
    /// </summary>
    public static Task<NoiseSecureStream> SecureOutboundAsync(Stream transport, PrivateKey identity, PeerId? expectedPeer, CancellationToken cancellationToken = default) =>
        HandshakeAsync(transport, identity, initiator: true, expectedPeer, cancellationToken);

    /// <summary>As the listener: runs the handshake and returns the secured stream (see <see cref="SecureOutboundAsync"/>).</summary>
    public static Task<NoiseSecureStream> SecureInboundAsync(Stream transport, PrivateKey identity, CancellationToken cancellationToken = default) =>
        HandshakeAsync(transport, identity, initiator: false, null, cancellationToken);

    private static async Task<NoiseSecureStream> HandshakeAsync(Stream transport, PrivateKey identity, bool initiator, PeerId? expectedPeer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(transport);
        ArgumentNullException.ThrowIfNull(identity);
        using var staticKey = NoiseHandshakeState.NewKey();
        using var state = new NoiseHandshakeState(initiator, staticKey, []);
        byte[] ourPayload = NoiseHandshakePayload.Create(identity, NoiseHandshakeState.PublicKeyOf(staticKey));
        byte[] frame = new byte[2 + NoiseSecureStream.MaxFrameLength];
        PublicKey? remoteKey = null;

        while (!state.IsComplete)
        {
            if (state.IsMyTurn)
            {
                // The initiator's first message carries no payload: it is not yet encrypted.
                byte[] payload = state.MessageIndex == 0 ? [] : ourPayload;
                int length = state.WriteMessage(payload, frame.AsSpan(2));
                BinaryPrimitives.WriteUInt16BigEndian(frame, (ushort)length);
                await transport.WriteAsync(frame.AsMemory(0, 2 + length), cancellationToken).ConfigureAwait(false);
                await transport.FlushAsync(cancellationToken).ConfigureAwait(false);
            }
            else
            {
                int length = await ReadFrameAsync(transport, frame, cancellationToken).ConfigureAwait(false);
                byte[] payload = state.ReadMessage(frame.AsSpan(2, length));
                if (payload.Length > 0 && state.RemoteStaticKey.IsEmpty)
                {
                    // libp2p's first message is the bare ephemeral key; anything more is not a libp2p dialer.
                    throw new LibP2pProtocolException($"noise: the first handshake message carries {payload.Length} bytes after the key.");
                }

                if (!state.RemoteStaticKey.IsEmpty && remoteKey is null)
                {
                    remoteKey = NoiseHandshakePayload.Verify(payload, state.RemoteStaticKey);
                    if (expectedPeer is { IsEmpty: false } expected && !expected.Matches(remoteKey))
                    {
                        throw new LibP2pProtocolException($"noise: dialled {expected} but the peer proved it is {PeerId.FromPublicKey(remoteKey)}.");
                    }
                }
            }
        }

        var (send, receive) = state.Split();
        return new NoiseSecureStream(transport, send, receive, remoteKey!);
    }

    private static async Task<int> ReadFrameAsync(Stream transport, byte[] frame, CancellationToken cancellationToken)
    {
        try
        {
            await transport.ReadExactlyAsync(frame.AsMemory(0, 2), cancellationToken).ConfigureAwait(false);
            int length = BinaryPrimitives.ReadUInt16BigEndian(frame);
            await transport.ReadExactlyAsync(frame.AsMemory(2, length), cancellationToken).ConfigureAwait(false);
            return length;
        }
        catch (EndOfStreamException e)
        {
            throw new LibP2pProtocolException("noise: the peer closed the connection during the handshake.", e);
        }
    }
}
