using DhtNet.Mainline.Bencode;

namespace DhtNet.Mainline.Krpc;

/// <summary>
/// BEP 5 <c>announce_peer</c>: the querier has the torrent on <see cref="Port"/> (or on the UDP
/// source port when <see cref="ImpliedPort"/> is set); BEP 33 adds <see cref="Seed"/>.
/// </summary>
internal sealed class AnnouncePeerQuery : KrpcQuery
{
    private const string PortError = "argument 'port' must be an integer 0..65535";
    private const string MissingPort = "missing argument 'port'";

    public AnnouncePeerQuery(NodeId senderId, NodeId infoHash, int port, ReadOnlyMemory<byte> token)
        : base(senderId)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(port);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, ushort.MaxValue);
        InfoHash = infoHash;
        Port = port;
        Token = token;
    }

    public NodeId InfoHash { get; }

    /// <summary>The announced port (0 when the query had implied_port and no port).</summary>
    public int Port { get; }

    /// <summary>The token from an earlier get_peers response of the queried node.</summary>
    public ReadOnlyMemory<byte> Token { get; }

    /// <summary><c>implied_port</c> = 1: use the UDP source port instead of <see cref="Port"/>.</summary>
    public bool ImpliedPort { get; init; }

    /// <summary>BEP 33 <c>seed</c> = 1: the announcer is a seed.</summary>
    public bool Seed { get; init; }

    public override KrpcMethod Method => KrpcMethod.AnnouncePeer;

    internal override ReadOnlySpan<byte> MethodName => "announce_peer"u8;

    internal static AnnouncePeerQuery? Decode(in KrpcFields a, out string? error)
    {
        if (!a.TryGetId(KrpcField.Id, out var id, out error)
            || !a.TryGetId(KrpcField.InfoHash, out var infoHash, out error)
            || !a.TryGetFlag(KrpcField.ImpliedPort, out bool implied, out error)
            || !a.TryGetFlag(KrpcField.Seed, out bool seed, out error)
            || !a.TryGetBytes(KrpcField.Token, required: true, out var token, out error))
        {
            return null;
        }

        if (!a.TryGetInteger(KrpcField.Port, required: false, out long port, out bool hasPort, out _)
            || port is < 0 or > ushort.MaxValue)
        {
            error = PortError;
            return null;
        }

        // With implied_port the port argument is not used, so it may be missing.
        if (!hasPort && !implied)
        {
            error = MissingPort;
            return null;
        }

        return new AnnouncePeerQuery(id, infoHash, (int)port, token) { ImpliedPort = implied, Seed = seed };
    }

    internal override void WriteArguments(ref BencodeWriter writer, in EncodeBudget budget)
    {
        KrpcWire.WriteId(ref writer, "id"u8, SenderId);
        KrpcWire.WriteFlag(ref writer, "implied_port"u8, ImpliedPort);
        KrpcWire.WriteId(ref writer, "info_hash"u8, InfoHash);
        writer.WriteKey("port"u8);
        writer.WriteInteger(Port);
        KrpcWire.WriteFlag(ref writer, "seed"u8, Seed);
        writer.WriteKey("token"u8);
        writer.WriteByteString(Token.Span);
    }
}

/// <summary>Answer to <see cref="AnnouncePeerQuery"/>: the responder's id.</summary>
internal sealed class AnnouncePeerResponse(NodeId senderId) : KrpcResponse(senderId)
{
    public override KrpcMethod Method => KrpcMethod.AnnouncePeer;

    internal static AnnouncePeerResponse? Decode(in KrpcFields r, out string? error) =>
        r.TryGetId(KrpcField.Id, out var id, out error) ? new AnnouncePeerResponse(id) : null;

    internal override void WriteValues(ref BencodeWriter writer, in EncodeBudget budget) =>
        KrpcWire.WriteId(ref writer, "id"u8, SenderId);
}
