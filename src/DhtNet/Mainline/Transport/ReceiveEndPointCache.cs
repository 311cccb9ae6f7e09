using System.Net;
using System.Net.Sockets;

namespace DhtNet.Mainline.Transport;

/// <summary>
/// Turns the raw source address of a received datagram into an <see cref="IPEndPoint"/> without
/// allocating when the same peer was seen recently. Direct-mapped and fixed-size, so it is bounded
/// and a hostile flood of distinct sources only costs the allocations it would have cost anyway.
/// Used by one receive loop only: not thread-safe.
/// </summary>
internal sealed class ReceiveEndPointCache
{
    private readonly SocketAddress[] _keys;
    private readonly IPEndPoint?[] _values;
    private readonly IPEndPoint _template;
    private readonly int _mask;

    public ReceiveEndPointCache(AddressFamily family, int size = 1024)
    {
        if (size <= 0 || (size & (size - 1)) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(size), size, "Size must be a power of two.");
        }

        _keys = new SocketAddress[size];
        _values = new IPEndPoint?[size];
        _mask = size - 1;
        _template = new IPEndPoint(family == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0);
        for (int i = 0; i < size; i++)
        {
            _keys[i] = new SocketAddress(family);
        }
    }

    /// <summary>Returns the endpoint for <paramref name="address"/>, IPv4-mapped IPv6 turned into IPv4.</summary>
    public IPEndPoint Get(SocketAddress address)
    {
        int slot = address.GetHashCode() & _mask;
        var cached = _values[slot];
        SocketAddress key = _keys[slot];
        if (cached is not null && key.Equals(address))
        {
            return cached;
        }

        var endPoint = ((IPEndPoint)_template.Create(address)).Unmapped();

        // The key's buffer has the family's full size; only the received length is meaningful.
        key.Size = address.Size;
        address.Buffer.Span[..address.Size].CopyTo(key.Buffer.Span);
        _values[slot] = endPoint;
        return endPoint;
    }
}
