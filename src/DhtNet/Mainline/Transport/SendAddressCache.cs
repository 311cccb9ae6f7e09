using System.Net;
using System.Net.Sockets;

namespace DhtNet.Mainline.Transport;

/// <summary>
/// Keeps recently used destinations in their serialized socket form so that a send to a known peer
/// allocates nothing (Socket.SendTo with an EndPoint serializes it on every call). Direct-mapped and
/// fixed-size; safe for concurrent senders because each slot holds an immutable entry.
/// </summary>
internal sealed class SendAddressCache
{
    private readonly Entry?[] _slots;
    private readonly int _mask;

    public SendAddressCache(int size = 1024)
    {
        if (size <= 0 || (size & (size - 1)) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(size), size, "Size must be a power of two.");
        }

        _slots = new Entry?[size];
        _mask = size - 1;
    }

    public SocketAddress Get(IPEndPoint destination)
    {
        int slot = destination.GetHashCode() & _mask;
        var entry = Volatile.Read(ref _slots[slot]);
        if (entry is not null && entry.Port == destination.Port && entry.Address.Equals(destination.Address))
        {
            return entry.SocketAddress;
        }

        // Copy what the key needs: the caller may reuse or change its IPEndPoint afterwards.
        entry = new Entry(destination.Address, destination.Port, destination.Serialize());
        Volatile.Write(ref _slots[slot], entry);
        return entry.SocketAddress;
    }

    private sealed record Entry(IPAddress Address, int Port, SocketAddress SocketAddress);
}
