namespace DhtNet.Mainline.Krpc;

/// <summary>The <c>y</c> of a KRPC message.</summary>
internal enum KrpcMessageType : byte
{
    /// <summary><c>q</c>: a query.</summary>
    Query = 1,

    /// <summary><c>r</c>: a response.</summary>
    Response = 2,

    /// <summary><c>e</c>: an error.</summary>
    Error = 3,
}
