using System.Net;

namespace DhtNet.Routing;

/// <summary>The mutable record the table keeps per node (in a bucket or a replacement cache); guarded by the table's lock.</summary>
internal sealed class RoutingEntry(NodeId id, IPEndPoint endPoint, bool secureId)
{
    /// <summary>Timestamp meaning "never"; the virtual clock starts at 0, so 0 cannot mean never.</summary>
    public const long Never = long.MinValue;

    public NodeId Id { get; } = id;

    public IPEndPoint EndPoint { get; } = endPoint;

    public bool SecureId { get; } = secureId;

    public long LastResponse { get; set; } = Never;

    public long LastQuery { get; set; } = Never;

    public bool HasResponded { get; set; }

    public int FailedQueries { get; set; }

    public long PingRequested { get; set; } = Never;

    public bool InCache { get; set; }

    /// <summary>Last time it answered or queried us; <see cref="Never"/> for unverified entries.</summary>
    public long LastActivity => Math.Max(LastResponse, LastQuery);

    public NodeInfo Info => new(Id, EndPoint);
}
