namespace DhtNet.Mainline.Krpc;

/// <summary>How a query sent with <see cref="KrpcDispatcher.SendQueryAsync(KrpcQuery, System.Net.IPEndPoint, TimeSpan, bool, CancellationToken)"/> ended.</summary>
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

    /// <summary>
    /// The sender stopped waiting (its token of an abandonable query was cancelled): the query was
    /// dropped from the table and says nothing about the node. A lookup that ends does this to the
    /// requests it still has out.
    /// </summary>
    Abandoned,
}
