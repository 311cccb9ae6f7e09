using DhtNet.Mainline.Bencode;

namespace DhtNet.Mainline.Krpc;

/// <summary>A KRPC query (<c>y</c> = <c>q</c>); one sealed subclass per method.</summary>
internal abstract class KrpcQuery : KrpcMessage
{
    private bool _readOnly;

    private protected KrpcQuery(NodeId senderId) => SenderId = senderId;

    /// <summary>The querier's node id (<c>a.id</c>).</summary>
    public NodeId SenderId { get; }

    /// <summary>BEP 43 <c>ro</c> = 1: the querier is read-only and must not be added to routing tables.</summary>
    public bool ReadOnly
    {
        get => _readOnly;
        init => _readOnly = value;
    }

    /// <summary>The method this query calls.</summary>
    public abstract KrpcMethod Method { get; }

    /// <summary>The wire name of the method (the <c>q</c> value).</summary>
    internal abstract ReadOnlySpan<byte> MethodName { get; }

    internal void SetReadOnly(bool readOnly) => _readOnly = readOnly;

    internal override void WriteBody(ref BencodeWriter writer, in EncodeBudget budget)
    {
        writer.WriteStartDictionary();
        WriteArguments(ref writer, budget);
        writer.WriteEnd();
    }

    /// <summary>Writes the keys of <c>a</c> in ascending order.</summary>
    internal abstract void WriteArguments(ref BencodeWriter writer, in EncodeBudget budget);
}
