using System.Buffers;
using DhtNet.Ipfs.Messages;
using DhtNet.LibP2p;
using DhtNet.LibP2p.Host;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace DhtNet.Ipfs;

/// <summary>
/// <c>/ipfs/kad/1.0.0</c> over a <see cref="LibP2pHost"/>: each request on a stream of its own (varint-framed
/// protobuf), and a server side that answers several requests per inbound stream with an
/// <see cref="IpfsDhtNode"/>, resetting the stream on a malformed or refused request.
/// </summary>
public sealed class LibP2pKadMessenger : IKadMessenger
{
    /// <summary>The IPFS DHT's protocol id.</summary>
    public const string ProtocolId = "/ipfs/kad/1.0.0";

    private static readonly string[] Protocols = [ProtocolId];

    private readonly LibP2pHost _host;
    private readonly LibP2pKadMessengerOptions _options;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _inbound;

    /// <param name="host">The started (or soon started) host the streams run over.</param>
    /// <param name="options">Timeouts and limits; null for the defaults.</param>
    /// <param name="logger">Where failed inbound streams are logged.</param>
    public LibP2pKadMessenger(LibP2pHost host, LibP2pKadMessengerOptions? options = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(host);
        _host = host;
        _options = options ?? new LibP2pKadMessengerOptions();
        _options.Validate();
        _logger = logger ?? NullLogger.Instance;
        _inbound = new SemaphoreSlim(_options.MaxInboundStreams);
    }

    public PeerId Self => _host.PeerId;

    public IReadOnlyList<Multiaddr> SelfAddresses => _host.AdvertisedAddresses;

    /// <summary>Inbound kad streams being served now.</summary>
    public int InboundStreams => _options.MaxInboundStreams - _inbound.CurrentCount;

    public bool IsDhtServer(PeerId peer) => _host.GetIdentity(peer)?.Supports(ProtocolId) == true;

    /// <summary>Serves <paramref name="node"/> on inbound <c>/ipfs/kad/1.0.0</c> streams (not for a client-mode node: it does not announce the protocol).</summary>
    public void Serve(IpfsDhtNode node)
    {
        ArgumentNullException.ThrowIfNull(node);
        if (!node.ClientMode)
        {
            _host.SetStreamHandler(ProtocolId, (stream, ct) => ServeStreamAsync(node, stream, ct));
        }

        // Peers enter the table when identify shows they serve the DHT, whoever dialled whom.
        _host.PeerIdentified += (_, identity) =>
        {
            if (identity.Supports(ProtocolId) && identity.ListenAddresses.Count > 0)
            {
                node.AddPeer(new PeerInfo(identity.Peer, identity.ListenAddresses));
            }
        };
    }

    public async Task<KadMessage?> SendRequestAsync(PeerInfo peer, KadMessage request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(peer);
        ArgumentNullException.ThrowIfNull(request);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.RequestTimeout);
        LibP2pStream? stream = null;
        try
        {
            stream = await OpenAsync(peer, timeout.Token).ConfigureAwait(false);
            await WriteAsync(stream, request, timeout.Token).ConfigureAwait(false);
            var reader = new FrameBuffer();
            var reply = await reader.ReadAsync(stream, timeout.Token).ConfigureAwait(false);
            stream.CloseWrite();
            return reply is not null && reply.Type == request.Type ? reply : null;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            stream?.Reset();
            return null;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Unreachable, refused the protocol, reset, or sent a malformed frame: no answer, nothing else.
            stream?.Reset();
            return null;
        }
        finally
        {
            if (stream is not null)
            {
                await stream.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    public async Task<bool> SendMessageAsync(PeerInfo peer, KadMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(peer);
        ArgumentNullException.ThrowIfNull(message);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.RequestTimeout);
        try
        {
            await using var stream = await OpenAsync(peer, timeout.Token).ConfigureAwait(false);
            await WriteAsync(stream, message, timeout.Token).ConfigureAwait(false);
            stream.CloseWrite();
            return true;
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    private async Task<LibP2pStream> OpenAsync(PeerInfo peer, CancellationToken cancellationToken)
    {
        if (peer.Multiaddrs.Count > 0)
        {
            _host.AddAddresses(peer.Id, peer.Multiaddrs);
        }

        return await _host.NewStreamAsync(peer.Id, Protocols, cancellationToken).ConfigureAwait(false);
    }

    private static async Task WriteAsync(LibP2pStream stream, KadMessage message, CancellationToken cancellationToken)
    {
        using var frame = KadMessageCodec.EncodeFrame(message);
        await stream.WriteAsync(frame.Memory, cancellationToken).ConfigureAwait(false);
    }

    private async Task ServeStreamAsync(IpfsDhtNode node, LibP2pStream stream, CancellationToken cancellationToken)
    {
        if (!_inbound.Wait(0))
        {
            // Over the limit: refuse at once rather than queue, so a flood costs one reset per stream.
            stream.Reset();
            return;
        }

        try
        {
            var sender = stream.RemotePeer;
            var identity = _host.GetIdentity(sender);
            var addresses = identity is { ListenAddresses.Count: > 0 } ? identity.ListenAddresses : _host.GetAddresses(sender);
            var reader = new FrameBuffer();
            for (int served = 0; served < _options.MaxRequestsPerStream; served++)
            {
                using var idle = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                idle.CancelAfter(_options.StreamIdleTimeout);
                KadMessage? request;
                try
                {
                    request = await reader.ReadAsync(stream, idle.Token).ConfigureAwait(false);
                }
                catch (LibP2pFormatException)
                {
                    stream.Reset();
                    return;
                }

                if (request is null)
                {
                    stream.CloseWrite();
                    return;
                }

                var result = node.HandleRequest(request, sender, addresses);
                switch (result.Outcome)
                {
                    case KadHandlerOutcome.Reset:
                        stream.Reset();
                        return;
                    case KadHandlerOutcome.Reply:
                        await WriteAsync(stream, result.Reply!, idle.Token).ConfigureAwait(false);
                        break;
                }
            }

            stream.CloseWrite();
        }
        catch (Exception e)
        {
            Log.KadStreamFailed(_logger, stream.RemotePeer, e);
            stream.Reset();
        }
        finally
        {
            _inbound.Release();
        }
    }

    /// <summary>Bytes read from one stream and not yet consumed; whole frames are cut out of it.</summary>
    private sealed class FrameBuffer
    {
        private byte[] _buffer = new byte[4096];
        private int _length;

        /// <summary>The next message; null at the end of the stream. Throws <see cref="LibP2pFormatException"/> for a malformed frame.</summary>
        public async Task<KadMessage?> ReadAsync(LibP2pStream stream, CancellationToken cancellationToken)
        {
            while (true)
            {
                var sequence = new ReadOnlySequence<byte>(_buffer, 0, _length);
                if (KadFrameReader.TryReadMessage(ref sequence, out var message))
                {
                    int rest = (int)sequence.Length;
                    Buffer.BlockCopy(_buffer, _length - rest, _buffer, 0, rest);
                    _length = rest;
                    return message;
                }

                if (_length == _buffer.Length)
                {
                    // The reader refuses a frame over the limit at its prefix, so this stays within it.
                    Array.Resize(ref _buffer, Math.Min(_buffer.Length * 2, KadMessageCodec.MaxMessageSize + 16));
                }

                int read = await stream.ReadAsync(_buffer.AsMemory(_length), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    if (_length > 0)
                    {
                        throw new LibP2pFormatException("The stream ended inside a kad frame.");
                    }

                    return null;
                }

                _length += read;
            }
        }
    }
}
