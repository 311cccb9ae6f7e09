using System.Text;

namespace DhtNet.Tests.Security;

public class Crc32CTests
{
    // The check value of the CRC catalogue and the iSCSI vectors of RFC 3720, B.4.
    public static TheoryData<string, uint> Vectors => new()
    {
        { "", 0x00000000 },
        { Convert.ToHexString(Encoding.ASCII.GetBytes("123456789")), 0xE3069283 },
        { new string('0', 64), 0x8A9136AA },
        { new string('F', 64), 0x62A8AB43 },
        { "000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F", 0x46DD794E },
        { "1F1E1D1C1B1A191817161514131211100F0E0D0C0B0A09080706050403020100", 0x113FDB5C },
    };

    [Theory]
    [MemberData(nameof(Vectors))]
    public void ComputeSoftware_KnownVector_Matches(string hex, uint expected)
    {
        Assert.Equal(expected, Crc32C.ComputeSoftware(Convert.FromHexString(hex)));
    }

    [Theory]
    [MemberData(nameof(Vectors))]
    public void ComputeHardware_KnownVector_Matches(string hex, uint expected)
    {
        // The build and test machines are x64 with SSE 4.2 (or ARMv8 with CRC): the path must exist there.
        Assert.True(Crc32C.IsHardwareAccelerated, "no CRC-32C instruction on this machine");
        Assert.Equal(expected, Crc32C.ComputeHardware(Convert.FromHexString(hex)));
    }

    [Theory]
    [MemberData(nameof(Vectors))]
    public void Compute_KnownVector_Matches(string hex, uint expected)
    {
        Assert.Equal(expected, Crc32C.Compute(Convert.FromHexString(hex)));
    }

    [Fact]
    public void ComputeHardware_EveryLengthAndOffset_EqualsSoftware()
    {
        var random = new Random(42);
        var data = new byte[80];
        random.NextBytes(data);
        for (int start = 0; start < 9; start++)
        {
            for (int length = 0; start + length <= data.Length; length++)
            {
                var slice = data.AsSpan(start, length);
                Assert.Equal(Crc32C.ComputeSoftware(slice), Crc32C.ComputeHardware(slice));
            }
        }
    }
}
