namespace DhtNet.Tests.LibP2p.Host;

/// <summary>Hosts on loopback with fresh identities and an echo protocol, for the host tests.</summary>
internal static class TestHosts
{
    public const string Echo = "/dhtnet/test/echo/1.0.0";

    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    public static async Task<LibP2pHost> StartAsync(LibP2pHostOptions? options = null, string listen = "/ip4/127.0.0.1/tcp/0")
    {
        options ??= new LibP2pHostOptions();
        var host = new LibP2pHost(Ed25519PrivateKey.Generate(), new LibP2pHostOptions
        {
            ListenAddresses = [Multiaddr.Parse(listen)],
            MaxConnections = options.MaxConnections,
            MaxPendingHandshakes = options.MaxPendingHandshakes,
            MaxStreamsPerConnection = options.MaxStreamsPerConnection,
            HandshakeTimeout = options.HandshakeTimeout,
            IdleTimeout = options.IdleTimeout,
            DialBackoff = options.DialBackoff,
            KeepAliveInterval = options.KeepAliveInterval,
            KeepAliveTimeout = options.KeepAliveTimeout,
        });
        host.SetStreamHandler(Echo, EchoAsync);
        await host.StartAsync();
        return host;
    }

    /// <summary>Echoes everything until the peer half-closes, then half-closes.</summary>
    public static async Task EchoAsync(LibP2pStream stream, CancellationToken cancellationToken)
    {
        await stream.CopyToAsync(stream, 64 * 1024, cancellationToken);
        stream.CloseWrite();
    }

    public static Multiaddr AddressOf(LibP2pHost host) => host.ListenAddresses[0].WithPeerId(host.PeerId);

    /// <summary>Writes <paramref name="data"/> on an echo stream to <paramref name="peer"/> and returns what came back.</summary>
    public static async Task<byte[]> EchoThroughAsync(LibP2pHost from, PeerId peer, byte[] data)
    {
        await using var stream = await from.NewStreamAsync(peer, [Echo]);
        var reading = Task.Run(async () =>
        {
            using var back = new MemoryStream();
            await stream.CopyToAsync(back);
            return back.ToArray();
        });
        await stream.WriteAsync(data);
        stream.CloseWrite();
        return await reading.WaitAsync(Patience);
    }

}
