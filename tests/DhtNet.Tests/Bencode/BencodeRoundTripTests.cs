using System.Text;
using static DhtNet.Tests.Bencode.BencodeTestData;

namespace DhtNet.Tests.Bencode;

/// <summary>Property tests over random value trees with fixed seeds, checked against a tiny reference encoder.</summary>
public class BencodeRoundTripTests
{
    private const int Cases = 3000;

    private static readonly long[] Extremes =
    [
        0, 1, -1, 9, 10, -9, -10, 99, 100, int.MaxValue, int.MinValue, (long)int.MaxValue + 1,
        long.MaxValue, long.MinValue, long.MaxValue - 1, long.MinValue + 1,
    ];

    private static BencodeValue RandomValue(Random random, int depth)
    {
        switch (random.Next(depth <= 0 ? 2 : 4))
        {
            case 0:
                return new BencodeInteger(random.Next(3) == 0
                    ? Extremes[random.Next(Extremes.Length)]
                    : random.NextInt64(long.MinValue, long.MaxValue) >> random.Next(64));
            case 1:
                int length = random.Next(10) switch
                {
                    0 => 0,
                    1 => random.Next(100, 400),
                    _ => random.Next(1, 30),
                };
                return new BencodeString(RandomBytes(random, length));
            case 2:
                {
                    var items = new BencodeValue[random.Next(7)];
                    for (int i = 0; i < items.Length; i++)
                    {
                        items[i] = RandomValue(random, depth - 1);
                    }

                    return new BencodeList(items);
                }

            default:
                {
                    var entries = new List<KeyValuePair<byte[], BencodeValue>>();
                    int count = random.Next(7);
                    for (int i = 0; i < count; i++)
                    {
                        // Short keys over a small alphabet so prefixes, empties and repeats all occur.
                        byte[] key = new byte[random.Next(4)];
                        for (int k = 0; k < key.Length; k++)
                        {
                            key[k] = (byte)"ab\x00\xff"[random.Next(4)];
                        }

                        entries.Add(new(key, RandomValue(random, depth - 1)));
                    }

                    return new BencodeDictionary(entries);
                }
        }
    }

    /// <summary>An independent encoder: recursion and a byte-order sort, nothing from BencodeWriter.</summary>
    private static void Reference(BencodeValue value, List<byte> output, bool sortKeys = true, Random? shuffle = null)
    {
        switch (value)
        {
            case BencodeInteger integer:
                output.AddRange(Encoding.ASCII.GetBytes($"i{integer.Value.ToString(System.Globalization.CultureInfo.InvariantCulture)}e"));
                break;
            case BencodeString text:
                output.AddRange(Encoding.ASCII.GetBytes($"{text.Bytes.Length}:"));
                output.AddRange(text.Bytes.ToArray());
                break;
            case BencodeList list:
                output.Add((byte)'l');
                foreach (var item in list.Items)
                {
                    Reference(item, output, sortKeys, shuffle);
                }

                output.Add((byte)'e');
                break;
            case BencodeDictionary dictionary:
                var entries = dictionary.Entries.ToList();
                if (sortKeys)
                {
                    entries.Sort((x, y) => CompareBytes(x.Key, y.Key));
                }

                if (shuffle is not null)
                {
                    entries = [.. entries.OrderBy(_ => shuffle.Next())];
                }

                output.Add((byte)'d');
                foreach (var (key, item) in entries)
                {
                    output.AddRange(Encoding.ASCII.GetBytes($"{key.Length}:"));
                    output.AddRange(key);
                    Reference(item, output, sortKeys, shuffle);
                }

                output.Add((byte)'e');
                break;
        }
    }

    private static int CompareBytes(byte[] x, byte[] y)
    {
        for (int i = 0; i < Math.Min(x.Length, y.Length); i++)
        {
            if (x[i] != y[i])
            {
                return x[i] < y[i] ? -1 : 1;
            }
        }

        return x.Length.CompareTo(y.Length);
    }

    private static byte[] Reference(BencodeValue value, Random? shuffle = null)
    {
        var output = new List<byte>();
        Reference(value, output, shuffle: shuffle);
        return [.. output];
    }

    [Theory]
    [InlineData(1)]
    [InlineData(20250101)]
    public void EncodeParseEncode_RandomTrees_IdenticalBytesAndEqualValues(int seed)
    {
        var random = new Random(seed);
        byte[] span = new byte[1 << 20];
        for (int i = 0; i < Cases; i++)
        {
            var value = RandomValue(random, random.Next(7));
            byte[] encoded = value.Encode();

            Assert.Equal(Reference(value), encoded);

            var parsed = BencodeValue.Parse(encoded);
            Assert.Equal(value, parsed);
            Assert.Equal(value.GetHashCode(), parsed.GetHashCode());
            Assert.Equal(encoded, parsed.Encode());
            Assert.Equal(value, BencodeValue.Parse(encoded, BencodeReaderOptions.Lax));

            var writer = new BencodeWriter(span);
            value.WriteTo(ref writer);
            Assert.True(writer.WrittenSpan.SequenceEqual(encoded));

            var reader = new BencodeReader(encoded, new BencodeReaderOptions { MaxElements = int.MaxValue });
            Assert.True(reader.ReadEncodedValue().SequenceEqual(encoded));
            Assert.True(reader.IsFinished);
        }
    }

    [Fact]
    public void LaxParse_ShuffledKeyOrder_GivesSameValue()
    {
        var random = new Random(99);
        int unsorted = 0;
        for (int i = 0; i < Cases; i++)
        {
            var value = RandomValue(random, 1 + random.Next(5));
            byte[] canonical = value.Encode();
            byte[] shuffled = Reference(value, random);

            Assert.Equal(value, BencodeValue.Parse(shuffled, BencodeReaderOptions.Lax));
            if (!shuffled.AsSpan().SequenceEqual(canonical))
            {
                unsorted++;
                Assert.Throws<BencodeException>(() => BencodeValue.Parse(shuffled));
            }
        }

        Assert.True(unsorted > Cases / 10, $"only {unsorted} shuffled encodings differed");
    }

    [Fact]
    public void Dictionary_RepeatedKeyOnConstruction_LastWinsAndStaysCanonical()
    {
        var dictionary = new BencodeDictionary(
        [
            new(Bytes("b"), I(1)),
            new(Bytes("a"), I(2)),
            new(Bytes("b"), I(3)),
        ]);
        Assert.Equal("d1:ai2e1:bi3ee", Text(dictionary.Encode()));
        Assert.Equal(I(3), dictionary["b"]);
        Assert.Null(dictionary["c"]);
    }

    [Fact]
    public void Value_ToString_IsReadable()
    {
        var value = BencodeValue.Parse(Bytes("d1:ali1e2:\u0000\u0001ee"));
        Assert.Equal("{\"a\": [1, 0x0001]}", value.ToString());
        Assert.Equal("spam", S("spam").TryGetText());
        Assert.Null(S("\xff").TryGetText());
    }

    [Fact]
    public void Constructors_NullItems_Throw()
    {
        Assert.Throws<ArgumentException>(() => new BencodeList([I(1), null!]));
        Assert.Throws<ArgumentException>(() => new BencodeDictionary([new(Bytes("a"), null!)]));
    }

    [Fact]
    public void Values_OfDifferentKinds_AreNotEqual()
    {
        Assert.NotEqual<BencodeValue>(I(1), S("1"));
        Assert.NotEqual<BencodeValue>(L(), D());
        Assert.NotEqual<BencodeValue>(L(I(1)), L(I(1), I(1)));
        Assert.NotEqual<BencodeValue>(D(("a", I(1))), D(("b", I(1))));
        Assert.NotEqual<BencodeValue>(D(("a", I(1))), D(("a", I(2))));
        Assert.False(I(1).Equals(null));
    }
}
