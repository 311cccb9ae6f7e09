using System.Net;
using System.Net.Sockets;

namespace DhtNet.Interop.Tests.Harness;

/// <summary>
/// Ports for peers that cannot be told "port 0" (aria2): the system picks a free one for a socket
/// that is closed again at once. Another process could take it in between; the peer then fails to
/// start and says so.
/// </summary>
public static class FreePorts
{
    /// <summary>A UDP port that was free on every IPv4 address a moment ago (aria2 binds 0.0.0.0).</summary>
    public static int Udp()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Any, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    /// <summary>A TCP port that was free on every IPv4 address a moment ago (aria2 binds 0.0.0.0).</summary>
    public static int Tcp()
    {
        var listener = new TcpListener(IPAddress.Any, 0);
        listener.Start();
        try
        {
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }
        finally
        {
            listener.Stop();
        }
    }
}
