namespace DhtNet.Mainline.Krpc;

/// <summary>How a query sent with <see cref="KrpcDispatcher.SendQueryAsync"/> ended.</summary>
internal enum KrpcResultStatus : byte
{
    /// <summary>The node answered with a response of the query's method.</summary>
    Response,

    /// <summary>The node answered with a KRPC error.</summary>
    Error,

    /// <summary>No answer within the timeout.</summary>
    Timeout,

    /// <summary>The node answered with something that does not decode as a response to this query.</summary>
    InvalidResponse,

    /// <summary>The transport could not send the datagram.</summary>
    SendFailed,

    /// <summary>The pending-query table was full; nothing was sent.</summary>
    TooManyPending,

    /// <summary>The dispatcher was disposed.</summary>
    Disposed,
}
