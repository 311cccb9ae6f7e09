using System.Net;
using DhtNet.Mainline.Bencode;

namespace DhtNet.Mainline.Krpc;

/// <summary>
/// A KRPC response (<c>y</c> = <c>r</c>). Its type follows the query it answers: decode it with the
/// method of the pending query (<see cref="KrpcCodec.DecodeResponse"/>).
/// </summary>
internal abstract class KrpcResponse : KrpcMessage
{
    private IPEndPoint? _requesterEndPoint;

    private protected KrpcResponse(NodeId senderId) => SenderId = senderId;

    /// <summary>The responder's node id (<c>r.id</c>).</summary>
    public NodeId SenderId { get; }

    /// <summary>
    /// BEP 42 top-level <c>ip</c>: the address the responder saw the query come from (our external
    /// address when we are the requester). Null when absent or not 6 / 18 bytes.
    /// </summary>
    public IPEndPoint? RequesterEndPoint
    {
        get => _requesterEndPoint;
        init => _requesterEndPoint = value;
    }

    /// <summary>The method of the query this response answers.</summary>
    public abstract KrpcMethod Method { get; }

    internal void SetRequester(IPEndPoint? requester) => _requesterEndPoint = requester;

    internal override void WriteBody(ref BencodeWriter writer, in EncodeBudget budget)
    {
        writer.WriteStartDictionary();
        WriteValues(ref writer, budget);
        writer.WriteEnd();
    }

    /// <summary>Writes the keys of <c>r</c> in ascending order.</summary>
    internal abstract void WriteValues(ref BencodeWriter writer, in EncodeBudget budget);
}
