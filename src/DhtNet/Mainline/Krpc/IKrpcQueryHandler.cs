using System.Net;

namespace DhtNet.Mainline.Krpc;

/// <summary>Answers the queries a <see cref="KrpcDispatcher"/> receives (the node implements it).</summary>
internal interface IKrpcQueryHandler
{
    /// <summary>
    /// Returns the response to <paramref name="query"/>, a <see cref="KrpcError"/>, or null to send
    /// nothing. Called on the receive path, possibly from several threads at once: keep it quick,
    /// non-blocking and thread-safe. The dispatcher fills in
    /// <c>t</c>, <c>v</c> and the BEP 42 <c>ip</c>; an exception is answered with a 202.
    /// </summary>
    KrpcMessage? Handle(KrpcQuery query, IPEndPoint source);

    /// <summary>
    /// Whether a query from <paramref name="source"/> is worth decoding at all; false drops it
    /// unanswered and undecoded, as if lost. Asked before the full decode, for every datagram that
    /// looks like a query, so it must cost O(1) and never throw.
    /// </summary>
    bool Admit(IPEndPoint source) => true;

    /// <summary>Told that <paramref name="source"/> answered one of our queries (a matched, valid response).</summary>
    void OnResponded(IPEndPoint source)
    {
    }
}
