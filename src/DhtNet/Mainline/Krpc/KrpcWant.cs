namespace DhtNet.Mainline.Krpc;

/// <summary>BEP 32 <c>want</c>: which address families of nodes the querier asks for.</summary>
[Flags]
internal enum KrpcWant : byte
{
    /// <summary>No <c>want</c> key: the responder returns nodes of the query's own family.</summary>
    None = 0,

    /// <summary><c>n4</c>: IPv4 nodes in <c>nodes</c>.</summary>
    N4 = 1,

    /// <summary><c>n6</c>: IPv6 nodes in <c>nodes6</c>.</summary>
    N6 = 2,
}
