using System.Buffers;
using System.Text;
using DhtNet.LibP2p.Multiformats;

namespace DhtNet.LibP2p.Protobuf;

/// <summary>Writes the protobuf fields of the small libp2p messages into a buffer writer.</summary>
internal readonly struct ProtobufWriter(IBufferWriter<byte> destination)
{
    public void WriteBytes(int fieldNumber, ReadOnlySpan<byte> value)
    {
        Varint.Write(destination, ((ulong)fieldNumber << 3) | (ulong)WireType.LengthDelimited);
        Varint.Write(destination, (ulong)value.Length);
        destination.Write(value);
    }

    public void WriteVarint(int fieldNumber, ulong value)
    {
        Varint.Write(destination, ((ulong)fieldNumber << 3) | (ulong)WireType.Varint);
        Varint.Write(destination, value);
    }

    public void WriteString(int fieldNumber, string value)
    {
        int length = Encoding.UTF8.GetByteCount(value);
        Varint.Write(destination, ((ulong)fieldNumber << 3) | (ulong)WireType.LengthDelimited);
        Varint.Write(destination, (ulong)length);
        Encoding.UTF8.GetBytes(value, destination.GetSpan(length));
        destination.Advance(length);
    }
}
