using static DhtNet.Tests.Krpc.KrpcTestData;

namespace DhtNet.Tests.Krpc;

public class KrpcCodecPropertyTests
{
    [Fact]
    public void EncodeDecodeEncode_RandomMessagesOfEveryKind_IsIdentical()
    {
        var generator = new RandomMessages(seed: 20260101);
        var kinds = new HashSet<Type>();
        for (int i = 0; i < 3000; i++)
        {
            var (message, method) = generator.Next();
            kinds.Add(message.GetType());

            var first = Encode(message);
            Assert.True(first.Length <= (message is PutQuery or GetResponse ? KrpcCodec.MaxItemPayload : KrpcCodec.MaxPayload));
            var decoded = DecodeOk(first, method);
            Assert.Equal(message.GetType(), decoded.GetType());
            Assert.Equal(message.TransactionId.ToArray(), decoded.TransactionId.ToArray());
            Assert.Equal(first, Encode(decoded));
        }

        Assert.Equal(15, kinds.Count);
    }

    [Fact]
    public void Decode_RandomMessages_KeepTheirFields()
    {
        var generator = new RandomMessages(seed: 7);
        for (int i = 0; i < 500; i++)
        {
            var (message, method) = generator.Next();
            var decoded = DecodeOk(Encode(message), method);
            switch (message)
            {
                case PutQuery put:
                    var p = (PutQuery)decoded;
                    Assert.Equal(put.Value.ToArray(), p.Value.ToArray());
                    Assert.Equal((put.Sequence, put.Cas), (p.Sequence, p.Cas));
                    break;
                case KrpcQuery query:
                    var q = (KrpcQuery)decoded;
                    Assert.Equal((query.SenderId, query.ReadOnly, query.Method), (q.SenderId, q.ReadOnly, q.Method));
                    break;
                case FindNodeResponse response:
                    var f = (FindNodeResponse)decoded;
                    Assert.Equal(response.Nodes, f.Nodes);
                    Assert.Equal(response.Nodes6, f.Nodes6);
                    Assert.Equal(response.RequesterEndPoint, f.RequesterEndPoint);
                    break;
                case KrpcError error:
                    var e = (KrpcError)decoded;
                    Assert.Equal((error.Code, error.Message), (e.Code, e.Message));
                    break;
            }
        }
    }
}
