using System.Text;

namespace DhtNet.Tests.Kademlia;

/// <summary>
/// Both key types checked through the generic interface against a byte-array model of the XOR
/// metric, so that the table and the lookup see the same metric whichever key they run on.
/// </summary>
public class KademliaKeyTests
{
    public static TheoryData<string> Types => ["NodeId", "Key256"];

    private static void ForEach(string type, Action<IKeyCase> test) => test(type == "NodeId" ? new KeyCase<NodeId>() : new KeyCase<Key256>());

    [Theory]
    [MemberData(nameof(Types))]
    public void Metric_RandomPairs_MatchesByteModel(string type) => ForEach(type, c => c.MetricMatchesByteModel(new Random(5)));

    [Theory]
    [MemberData(nameof(Types))]
    public void WithBit_EveryPosition_SetsOnlyThatBit(string type) => ForEach(type, c => c.WithBitSetsOnlyThatBit());

    [Theory]
    [MemberData(nameof(Types))]
    public void RandomWithPrefix_EveryDepth_KeepsPrefixAndRandomisesTheRest(string type) => ForEach(type, c => c.RandomWithPrefixKeepsPrefix(new Random(6)));

    [Theory]
    [MemberData(nameof(Types))]
    public void CompareDistance_ThroughInterface_AllocatesNothing(string type) => ForEach(type, c => c.CompareDistanceAllocatesNothing());

    [Fact]
    public void Key256_ParseToString_RoundTrips()
    {
        const string hex = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
        Assert.Equal(hex, Key256.Parse(hex).ToString());
        Assert.Equal(Convert.FromHexString(hex), Key256.Parse(hex).ToArray());
    }

    [Theory]
    [InlineData("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde", "got 63")]
    [InlineData("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdez", "hex")]
    public void Key256_ParseBadHex_ThrowsNamingProblem(string hex, string expected)
    {
        var error = Assert.Throws<FormatException>(() => Key256.Parse(hex));
        Assert.Contains(expected, error.Message);
    }

    [Theory]
    [InlineData("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")]
    [InlineData("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")]
    public void Key256_Sha256_IsTheFipsDigest(string data, string expected) =>
        Assert.Equal(expected, Key256.Sha256(Encoding.ASCII.GetBytes(data)).ToString());

    [Fact]
    public void Key256_WrongLength_Throws()
    {
        Assert.Throws<ArgumentException>(() => new Key256(new byte[31]));
        Assert.Throws<ArgumentException>(() => new Key256(new byte[33]));
        Assert.Throws<ArgumentException>(() => Key256.Zero.WriteTo(new byte[31]));
    }

    [Fact]
    public void Key256_ZeroAndMax_AreTheExtremes()
    {
        Assert.Equal(Key256.Bits, Key256.Zero.LeadingZeroCount());
        Assert.Equal(0, Key256.Max.LeadingZeroCount());
        Assert.Equal(Key256.Zero, Key256.Max.Xor(Key256.Max));
        Assert.True(Key256.Zero < Key256.Max);
    }

    private interface IKeyCase
    {
        void MetricMatchesByteModel(Random random);

        void WithBitSetsOnlyThatBit();

        void RandomWithPrefixKeepsPrefix(Random random);

        void CompareDistanceAllocatesNothing();
    }

    private sealed class KeyCase<TKey> : IKeyCase
        where TKey : struct, IKademliaKey<TKey>
    {
        public void MetricMatchesByteModel(Random random)
        {
            for (int i = 0; i < 2000; i++)
            {
                // Pairs that share long prefixes too, so every word boundary of the key is crossed.
                var a = KademliaKey.Random<TKey>(random);
                var b = KademliaKey.RandomWithPrefix(a, random.Next(TKey.Bits + 1), random);
                var target = KademliaKey.RandomWithPrefix(a, random.Next(TKey.Bits + 1), random);
                byte[] x = Bytes(a), y = Bytes(b), t = Bytes(target);

                Assert.Equal(a, TKey.Read(x));
                Assert.Equal(Xor(x, y), Bytes(a.Xor(b)));
                Assert.Equal(PrefixLength(x, y), a.CommonPrefixLength(b));
                Assert.Equal(Math.Sign(Xor(x, t).AsSpan().SequenceCompareTo(Xor(y, t))), Math.Sign(TKey.CompareDistance(a, b, target)));
                Assert.Equal(Math.Sign(x.AsSpan().SequenceCompareTo(y)), Math.Sign(a.CompareTo(b)));
                Assert.Equal(x.AsSpan().SequenceEqual(y), a.Equals(b));
            }
        }

        public void WithBitSetsOnlyThatBit()
        {
            for (int i = 0; i < TKey.Bits; i++)
            {
                var key = default(TKey).WithBit(i, true);
                Assert.True(key.GetBit(i));
                Assert.Equal(i, key.CommonPrefixLength(default));
                Assert.Equal(default, key.WithBit(i, false));
                var bytes = Bytes(key);
                Assert.Equal(0x80 >> (i % 8), bytes[i / 8]);
            }
        }

        public void RandomWithPrefixKeepsPrefix(Random random)
        {
            var prefix = KademliaKey.Random<TKey>(random);
            for (int depth = 0; depth <= TKey.Bits; depth++)
            {
                var kept = KademliaKey.KeepPrefix(prefix, depth);
                Assert.True(kept.CommonPrefixLength(prefix) >= depth);
                for (int bit = depth; bit < TKey.Bits; bit++)
                {
                    Assert.False(kept.GetBit(bit));
                }

                var seen = new HashSet<TKey>();
                for (int i = 0; i < 16; i++)
                {
                    var key = KademliaKey.RandomWithPrefix(prefix, depth, random);
                    Assert.True(key.CommonPrefixLength(prefix) >= depth);
                    seen.Add(key);
                }

                // With 8 or more free bits, 16 draws that all collide would mean the tail is not random.
                Assert.True(TKey.Bits - depth < 8 || seen.Count > 1, $"depth {depth}");
            }
        }

        public void CompareDistanceAllocatesNothing()
        {
            var random = new Random(7);
            TKey a = KademliaKey.Random<TKey>(random), b = KademliaKey.Random<TKey>(random), target = KademliaKey.Random<TKey>(random);
            int sum = Compare(a, b, target, 10);
            long before = GC.GetAllocatedBytesForCurrentThread();
            sum += Compare(a, b, target, 1000);
            Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
            Assert.NotEqual(int.MinValue, sum);
        }

        private static int Compare(TKey a, TKey b, TKey target, int times)
        {
            int sum = 0;
            for (int i = 0; i < times; i++)
            {
                sum += TKey.CompareDistance(a, b, target) + a.CommonPrefixLength(b) + a.Xor(b).CompareTo(target);
            }

            return sum;
        }

        private static byte[] Bytes(TKey key)
        {
            var bytes = new byte[TKey.Size];
            key.WriteTo(bytes);
            return bytes;
        }

        private static byte[] Xor(byte[] x, byte[] y) => x.Zip(y, (p, q) => (byte)(p ^ q)).ToArray();

        private static int PrefixLength(byte[] x, byte[] y)
        {
            for (int i = 0; i < x.Length * 8; i++)
            {
                if (((x[i / 8] ^ y[i / 8]) & (0x80 >> (i % 8))) != 0)
                {
                    return i;
                }
            }

            return x.Length * 8;
        }
    }
}
