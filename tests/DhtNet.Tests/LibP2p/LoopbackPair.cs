using System.Net;
using System.Net.Sockets;

namespace DhtNet.Tests.LibP2p;

/// <summary>Two ends of a real TCP connection on 127.0.0.1, for protocol tests that need a real socket.</summary>
internal sealed class LoopbackPair : IAsyncDisposable
{
    private LoopbackPair(Socket client, Socket server)
    {
        ClientSocket = client;
        ServerSocket = server;
        Client = new NetworkStream(client, ownsSocket: true);
        Server = new NetworkStream(server, ownsSocket: true);
    }

    public Socket ClientSocket { get; }

    public Socket ServerSocket { get; }

    public NetworkStream Client { get; }

    public NetworkStream Server { get; }

    public static async Task<LoopbackPair> CreateAsync()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        var accept = listener.AcceptAsync();
        await client.ConnectAsync(listener.LocalEndPoint!);
        var server = await accept;
        server.NoDelay = true;
        return new LoopbackPair(client, server);
    }

    public async ValueTask DisposeAsync()
    {
        await Client.DisposeAsync();
        await Server.DisposeAsync();
    }
}
