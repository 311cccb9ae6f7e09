using System.Buffers;
using static DhtNet.Tests.Bencode.BencodeTestData;

namespace DhtNet.Tests.Bencode;

public class BencodeAllocationTests
{
    /// <summary>Decodes a response the way a KRPC handler would: find keys, read ids, peers and nodes.</summary>
    private static long DecodeResponse(ReadOnlySpan<byte> datagram)
    {
        var reader = new BencodeReader(datagram);
        long checksum = 0;
        reader.Read();
        while (reader.Read() && reader.TokenType != BencodeTokenType.EndDictionary)
        {
            if (reader.ValueTextEquals("r"u8))
            {
                reader.Read();
                while (reader.Read() && reader.TokenType != BencodeTokenType.EndDictionary)
                {
                    if (reader.ValueTextEquals("values"u8))
                    {
                        reader.Read();
                        while (reader.Read() && reader.TokenType != BencodeTokenType.EndList)
                        {
                            checksum += reader.ValueSpan[0];
                        }
                    }
                    else if (reader.ValueTextEquals("id"u8) || reader.ValueTextEquals("nodes"u8) || reader.ValueTextEquals("token"u8))
                    {
                        checksum += reader.ReadByteStringValue().Length;
                    }
                    else
                    {
                        checksum += reader.ReadEncodedValue().Length;
                    }
                }
            }
            else if (reader.ValueTextEquals("t"u8))
            {
                checksum += reader.ReadByteStringValue().Length;
            }
            else
            {
                reader.Skip();
            }
        }

        return checksum + Walk(datagram);
    }

    private static long AllocatedBytes(Func<long> action, int iterations, out long checksum)
    {
        checksum = 0;
        for (int i = 0; i < 200; i++)
        {
            checksum += action();
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < iterations; i++)
        {
            checksum += action();
        }

        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    [Fact]
    public void Read_KrpcResponses_AllocatesNothing()
    {
        byte[] getPeers = GetPeersResponse();
        byte[] findNode = FindNodeResponse();
        Assert.InRange(getPeers.Length, 350, 450);
        Assert.InRange(findNode.Length, 250, 350);

        long allocated = AllocatedBytes(() => DecodeResponse(getPeers) + DecodeResponse(findNode), 1000, out long checksum);

        Assert.Equal(0, allocated);
        Assert.True(checksum > 0);
    }

    [Fact]
    public void Write_KrpcResponse_AllocatesNothing()
    {
        byte[] expected = GetPeersResponse();
        byte[] span = new byte[1024];
        var reusable = new ArrayBufferWriter<byte>(1024);
        byte[] id = new byte[20];
        byte[] token = new byte[8];
        byte[] peer = new byte[6];

        long Write()
        {
            var writer = new BencodeWriter(span);
            WriteGetPeers(ref writer);
            reusable.ResetWrittenCount();
            var buffered = new BencodeWriter(reusable);
            WriteGetPeers(ref buffered);
            return writer.BytesWritten + buffered.BytesWritten;
        }

        void WriteGetPeers(ref BencodeWriter writer)
        {
            writer.WriteStartDictionary();
            writer.WriteKey("r"u8);
            writer.WriteStartDictionary();
            writer.WriteKey("id"u8);
            writer.WriteByteString(id);
            writer.WriteKey("token"u8);
            writer.WriteByteString(token);
            writer.WriteKey("values"u8);
            writer.WriteStartList();
            for (int i = 0; i < 40; i++)
            {
                writer.WriteByteString(peer);
            }

            writer.WriteEnd();
            writer.WriteEnd();
            writer.WriteKey("t"u8);
            writer.WriteByteString("tx"u8);
            writer.WriteKey("y"u8);
            writer.WriteByteString("r"u8);
            writer.WriteKey("z"u8);
            writer.WriteInteger(long.MinValue);
            writer.WriteEnd();
        }

        long allocated = AllocatedBytes(Write, 1000, out long checksum);

        Assert.Equal(0, allocated);
        Assert.Equal(2 * (expected.Length + 25), Write());
        Assert.True(checksum > 0);
    }
}
