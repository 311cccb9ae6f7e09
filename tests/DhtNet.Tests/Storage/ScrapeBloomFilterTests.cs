using System.Buffers.Binary;
using System.Net;

namespace DhtNet.Tests.Storage;

public class ScrapeBloomFilterTests
{
    // BEP 33 "Test Vectors": 192.0.2.0 - 192.0.2.255 and 2001:DB8:: - 2001:DB8::3E7, inclusive.
    private const string Bep33Filter =
        "F6C3F5EAA07FFD91BDE89F777F26FB2BFF37BDB8FB2BBAA2FD3DDDE7BACFFF75EE7CCBAE" +
        "FE5EEDB1FBFAFF67F6ABFF5E43DDBCA3FD9B9FFDF4FFD3E9DFF12D1BDF59DB53DBE9FA5B" +
        "7FF3B8FDFCDE1AFB8BEDD7BE2F3EE71EBBBFE93BCDEEFE148246C2BC5DBFF7E7EFDCF24F" +
        "D8DC7ADFFD8FFFDFDDFFF7A4BBEEDF5CB95CE81FC7FCFF1FF4FFFFDFE5F7FDCBB7FD79B3" +
        "FA1FC77BFE07FFF905B7B7FFC7FEFEFFE0B8370BB0CD3F5B7F2BD93FEB4386CFDD6F7FD5" +
        "BFAF2E9EBFFFFEECD67ADBF7C67F17EFD5D75EBA6FFEBA7FFF47A91EB1BFBB53E8ABFB57" +
        "62ABE8FF237279BFEFBFEEF5FFC5FEBFDFE5ADFFADFEE1FB737FFFFBFD9F6AEFFEEE76B6" +
        "FD8F72EF";

    [Theory]
    [InlineData("192.0.2.0", 256, "2001:DB8::", 1000, Bep33Filter, 1224.9308)]
    public void Add_Bep33Vector_GivesFilterAndEstimate(
        string firstV4, int countV4, string firstV6, int countV6, string expectedHex, double expectedEstimate)
    {
        var filter = new ScrapeBloomFilter();

        foreach (var address in Range(IPAddress.Parse(firstV4), countV4))
        {
            filter.Add(address);
        }

        foreach (var address in Range(IPAddress.Parse(firstV6), countV6))
        {
            filter.Add(address);
        }

        Assert.Equal(ScrapeBloomFilter.Size, expectedHex.Length / 2);
        Assert.Equal(expectedHex, Convert.ToHexString(filter.Bytes));

        // The BEP prints the estimate cut to four decimals (the exact value is 1224.93089...).
        Assert.Equal(expectedEstimate, filter.EstimateCount(), tolerance: 0.0001);
    }

    [Fact]
    public void UnionWith_TwoHalves_EqualsFilterOfAll()
    {
        var all = new ScrapeBloomFilter();
        var first = new ScrapeBloomFilter();
        var second = new ScrapeBloomFilter();
        int i = 0;
        foreach (var address in Range(IPAddress.Parse("192.0.2.0"), 256))
        {
            all.Add(address);
            (i++ % 2 == 0 ? first : second).Add(address);
        }

        first.UnionWith(second);

        Assert.Equal(Convert.ToHexString(all.Bytes), Convert.ToHexString(first.Bytes));
        var fromWire = new ScrapeBloomFilter(second.Bytes);
        fromWire.UnionWith(first.Bytes);
        Assert.Equal(Convert.ToHexString(all.Bytes), Convert.ToHexString(fromWire.Bytes));
    }

    [Fact]
    public void Add_IPv4MappedAddress_SameBitsAsIPv4()
    {
        var plain = new ScrapeBloomFilter();
        var mapped = new ScrapeBloomFilter();

        plain.Add(IPAddress.Parse("192.168.1.1"));
        mapped.Add(IPAddress.Parse("192.168.1.1").MapToIPv6());

        Assert.Equal(Convert.ToHexString(plain.Bytes), Convert.ToHexString(mapped.Bytes));
        Assert.True(mapped.MayContain(IPAddress.Parse("192.168.1.1")));
    }

    [Fact]
    public void EstimateCount_EmptyAndFull_AreZeroAndFinite()
    {
        var empty = new ScrapeBloomFilter();
        var full = new ScrapeBloomFilter(Enumerable.Repeat((byte)0xFF, ScrapeBloomFilter.Size).ToArray());

        Assert.True(empty.IsEmpty);
        Assert.Equal(0, empty.EstimateCount());
        Assert.False(full.IsEmpty);
        Assert.True(double.IsFinite(full.EstimateCount()));
        Assert.InRange(full.EstimateCount(), 7000, 8000);
    }

    [Fact]
    public void EstimateCount_OneAddress_IsAboutOne()
    {
        var filter = new ScrapeBloomFilter();
        filter.Add(IPAddress.Parse("203.0.113.7"));

        Assert.InRange(filter.EstimateCount(), 0.9, 1.1);
    }

    [Fact]
    public void Constructor_WrongSize_Throws()
    {
        Assert.Throws<ArgumentException>(() => new ScrapeBloomFilter(new byte[255]));
        Assert.Throws<ArgumentException>(() => new ScrapeBloomFilter().Add(new byte[6]));
    }

    // Consecutive addresses counting up from first, as the BEP's inclusive ranges do.
    private static IEnumerable<IPAddress> Range(IPAddress first, int count)
    {
        var bytes = first.GetAddressBytes();
        var value = new UInt128(
            bytes.Length == 16 ? BinaryPrimitives.ReadUInt64BigEndian(bytes) : 0,
            bytes.Length == 16 ? BinaryPrimitives.ReadUInt64BigEndian(bytes.AsSpan(8)) : BinaryPrimitives.ReadUInt32BigEndian(bytes));
        for (int i = 0; i < count; i++)
        {
            var current = value + (UInt128)i;
            var next = new byte[bytes.Length];
            if (bytes.Length == 16)
            {
                BinaryPrimitives.WriteUInt128BigEndian(next, current);
            }
            else
            {
                BinaryPrimitives.WriteUInt32BigEndian(next, (uint)current);
            }

            yield return new IPAddress(next);
        }
    }
}
