using System.Net;
using DhtNet.Mainline.Bencode;

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
    /// True when <see cref="WriteAnswer"/> answers ping, find_node and get_peers in place; false
    /// (the default) sends every query through <see cref="Handle"/>.
    /// </summary>
    bool AnswersInPlace => false;

    /// <summary>
    /// Writes the keys of the <c>r</c> dictionary answering <paramref name="query"/> (a ping, a
    /// find_node or a get_peers without scrape) straight into <paramref name="writer"/>, staying
    /// within <paramref name="budget"/>; returns false, having written nothing, to send no answer.
    /// The serving fast path: no message objects, no copy of the datagram. The same rules as for
    /// <see cref="Handle"/> apply; an exception is answered with a 202.
    /// </summary>
    bool WriteAnswer(in KrpcQueryView query, IPEndPoint source, ref BencodeWriter writer, in EncodeBudget budget) =>
        throw new NotSupportedException("This handler answers through Handle only.");

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
