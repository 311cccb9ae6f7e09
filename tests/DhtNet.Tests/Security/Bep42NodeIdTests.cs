using System.Net;

namespace DhtNet.Tests.Security;

public class Bep42NodeIdTests
{
    // BEP 42 test vectors: IP, rand (decimal), the example node id.
    public static TheoryData<string, byte, string> BepVectors => new()
    {
        { "124.31.75.21", 1, "5fbfbff10c5d6a4ec8a88e4c6ab4c28b95eee401" },
        { "21.75.31.124", 86, "5a3ce9c14e7a08645677bbd1cfe7d8f956d53256" },
        { "65.23.51.170", 22, "a5d43220bc8f112a3d426c84764f8c2a1150e616" },
        { "84.124.73.14", 65, "1b0321dd1bb1fe518101ceef99462b947a01ff41" },
        { "43.213.53.83", 90, "e56f6cbf5b7c4be0237986d5243b87aa6d51305a" },
    };

    [Theory]
    [MemberData(nameof(BepVectors))]
    public void Generate_BepVector_FirstTwentyOneBitsAndLastByteMatch(string ip, byte rand, string exampleId)
    {
        var expected = Convert.FromHexString(exampleId);
        var id = NodeIdSecurity.Generate(IPAddress.Parse(ip), rand, new byte[17]).ToArray();

        Assert.Equal(expected[0], id[0]);
        Assert.Equal(expected[1], id[1]);
        Assert.Equal(expected[2] & 0xf8, id[2] & 0xf8);
        Assert.Equal(rand, id[19]);
    }

    [Theory]
    [MemberData(nameof(BepVectors))]
    public void IsValid_BepVectorId_ReturnsTrue(string ip, byte rand, string exampleId)
    {
        Assert.Equal(rand, Convert.FromHexString(exampleId)[19]);
        Assert.True(NodeIdSecurity.IsValid(NodeId.Parse(exampleId), IPAddress.Parse(ip)));
    }

    [Theory]
    [MemberData(nameof(BepVectors))]
    public void IsValid_BepVectorIdAtAnotherAddress_ReturnsFalse(string ip, byte rand, string exampleId)
    {
        _ = rand;
        var other = IPAddress.Parse(ip == "124.31.75.21" ? "21.75.31.124" : "124.31.75.21");
        Assert.False(NodeIdSecurity.IsValid(NodeId.Parse(exampleId), other));
    }

    [Theory]
    [InlineData("2001:db8:85a3::8a2e:370:7334", 0, 0xd1846991u)]
    [InlineData("2001:db8:85a3::8a2e:370:7334", 5, 0xe8859a6cu)]
    [InlineData("2a00:1450:4001:82b::200e", 0, 0xbfbcf1deu)]
    [InlineData("2a00:1450:4001:82b::200e", 5, 0x86bd0223u)]
    [InlineData("124.31.75.21", 1, 0x5fbfbdb2u)]
    public void ComputeCrc_Address_MatchesBitwiseReference(string ip, int r, uint expected)
    {
        // Expected values from a bit-at-a-time CRC-32C over the masked, big-endian address (the BEP has
        // no IPv6 vectors); the IPv4 row agrees with the BEP's first vector.
        Assert.Equal(expected, NodeIdSecurity.ComputeCrc(IPAddress.Parse(ip), r));
    }

    [Fact]
    public void GenerateId_ManyAddressesBothFamilies_Validates()
    {
        var random = new Random(7);
        var bytes = new byte[16];
        for (int i = 0; i < 2000; i++)
        {
            random.NextBytes(bytes);
            var address = i % 2 == 0 ? new IPAddress(bytes.AsSpan(0, 4)) : new IPAddress(bytes);
            var id = NodeIdSecurity.GenerateId(address, random);
            Assert.True(NodeIdSecurity.IsValid(id, address), $"{id} for {address}");
        }

        var fromSystemRandom = NodeIdSecurity.GenerateId(IPAddress.Parse("203.0.113.9"));
        Assert.True(NodeIdSecurity.IsValid(fromSystemRandom, IPAddress.Parse("203.0.113.9")));
    }

    [Fact]
    public void GenerateId_SameAddress_DiffersEachTime()
    {
        var address = IPAddress.Parse("203.0.113.9");
        Assert.NotEqual(NodeIdSecurity.GenerateId(address), NodeIdSecurity.GenerateId(address));
    }

    [Fact]
    public void IsValid_RandomIds_AlmostNeverValid()
    {
        // A random id passes with probability 2^-21; 200,000 tries expect 0.1 passes.
        var random = new Random(11);
        var bytes = new byte[4];
        int valid = 0;
        for (int i = 0; i < 200_000; i++)
        {
            random.NextBytes(bytes);
            if (NodeIdSecurity.IsValid(NodeId.Random(random), new IPAddress(bytes)))
            {
                valid++;
            }
        }

        Assert.True(valid <= 2, $"{valid} random ids validated");
    }

    [Fact]
    public void IsValid_IPv4MappedAddress_JudgedAsIPv4()
    {
        var v4 = IPAddress.Parse("65.23.51.170");
        var id = NodeIdSecurity.GenerateId(v4, new Random(3));
        Assert.True(NodeIdSecurity.IsValid(id, v4.MapToIPv6()));
    }

    [Theory]
    [InlineData("10.1.2.3", true)]
    [InlineData("172.16.0.1", true)]
    [InlineData("172.31.255.255", true)]
    [InlineData("172.32.0.1", false)]
    [InlineData("172.15.255.255", false)]
    [InlineData("192.168.7.7", true)]
    [InlineData("192.169.0.1", false)]
    [InlineData("169.254.1.1", true)]
    [InlineData("127.0.0.1", true)]
    [InlineData("8.8.8.8", false)]
    [InlineData("11.0.0.1", false)]
    [InlineData("::1", true)]
    [InlineData("fe80::1", true)]
    [InlineData("febf::1", true)]
    [InlineData("fec0::1", false)]
    [InlineData("fc00::1", true)]
    [InlineData("fdff::1", true)]
    [InlineData("2001:db8::1", false)]
    [InlineData("::ffff:10.0.0.1", true)]
    [InlineData("::ffff:8.8.8.8", false)]
    public void IsExempt_Address_MatchesLocalRanges(string ip, bool expected)
    {
        Assert.Equal(expected, NodeIdSecurity.IsExempt(IPAddress.Parse(ip)));
    }

    [Fact]
    public void IsAcceptable_ExemptAddressWithAnyId_ReturnsTrue()
    {
        var id = NodeId.Parse("0000000000000000000000000000000000000000");
        Assert.False(NodeIdSecurity.IsValid(id, IPAddress.Parse("192.168.1.2")) && NodeIdSecurity.IsValid(id, IPAddress.Parse("10.0.0.1")));
        Assert.True(NodeIdSecurity.IsAcceptable(id, IPAddress.Parse("192.168.1.2")));
        Assert.True(NodeIdSecurity.IsAcceptable(new NodeInfo(id, new IPEndPoint(IPAddress.Parse("10.0.0.1"), 6881))));
        Assert.False(NodeIdSecurity.IsAcceptable(id, IPAddress.Parse("124.31.75.21")));
    }
}
