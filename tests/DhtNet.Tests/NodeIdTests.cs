namespace DhtNet.Tests;

public class NodeIdTests
{
    [Fact]
    public void Parse_RoundTripsThroughToString()
    {
        const string hex = "0123456789abcdef0123456789abcdef01234567";
        Assert.Equal(hex, NodeId.Parse(hex).ToString());
    }

    [Theory]
    [InlineData("0123456789abcdef0123456789abcdef0123456", "got 39")]
    [InlineData("0123456789abcdef0123456789abcdef0123456z", "hex")]
    public void Parse_BadHex_ThrowsNamingProblem(string hex, string expected)
    {
        var error = Assert.Throws<FormatException>(() => NodeId.Parse(hex));
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void Xor_WithSelf_IsZeroAndPrefixIsFull()
    {
        var id = NodeId.Random(new Random(1));
        Assert.Equal(NodeId.Zero, id.Xor(id));
        Assert.Equal(NodeId.Bits, id.CommonPrefixLength(id));
    }

    [Fact]
    public void WithBit_SetsEveryPositionIndependently()
    {
        for (int i = 0; i < NodeId.Bits; i++)
        {
            var id = NodeId.Zero.WithBit(i, true);
            Assert.True(id.GetBit(i));
            Assert.Equal(i, id.LeadingZeroCount());
            Assert.Equal(NodeId.Zero, id.WithBit(i, false));
        }
    }

    [Fact]
    public void CompareDistance_OrdersByXor()
    {
        var target = NodeId.Zero;
        var near = NodeId.Zero.WithBit(159, true);
        var far = NodeId.Zero.WithBit(0, true);
        Assert.True(NodeId.CompareDistance(near, far, target) < 0);
        Assert.True(NodeId.CompareDistance(far, near, target) > 0);
        Assert.Equal(0, NodeId.CompareDistance(far, far, target));
    }
}
