namespace DhtNet.Mainline.Krpc;

/// <summary>The KRPC query methods this library speaks (BEP 5, 44, 51).</summary>
internal enum KrpcMethod : byte
{
    Ping,
    FindNode,
    GetPeers,
    AnnouncePeer,
    Get,
    Put,
    SampleInfohashes,
}
