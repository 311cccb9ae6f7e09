using System.Net;

namespace DhtNet.Mainline;

/// <summary>A node joined one of our routing tables.</summary>
public sealed class NodeAddedEventArgs(NodeInfo node) : EventArgs
{
    public NodeInfo Node { get; } = node;
}

/// <summary>A lookup found a peer for an infohash (bittorrent-dht's 'peer' event).</summary>
public sealed class PeerFoundEventArgs(NodeId infoHash, IPEndPoint peer, IPEndPoint from) : EventArgs
{
    public NodeId InfoHash { get; } = infoHash;

    public IPEndPoint Peer { get; } = peer;

    /// <summary>The node whose reply carried the peer.</summary>
    public IPEndPoint From { get; } = from;
}

/// <summary>Another node announced a peer to us with a valid token (bittorrent-dht's 'announce' event).</summary>
public sealed class AnnounceReceivedEventArgs(NodeId infoHash, IPEndPoint peer, bool seed) : EventArgs
{
    public NodeId InfoHash { get; } = infoHash;

    public IPEndPoint Peer { get; } = peer;

    /// <summary>BEP 33: the announcer says it is a seed.</summary>
    public bool Seed { get; } = seed;
}

/// <summary>Something went wrong that the node survived (bittorrent-dht's 'warning' event).</summary>
public sealed class DhtWarningEventArgs(string message, Exception? exception = null) : EventArgs
{
    public string Message { get; } = message;

    public Exception? Exception { get; } = exception;

    public override string ToString() => Exception is null ? Message : $"{Message}: {Exception.Message}";
}
