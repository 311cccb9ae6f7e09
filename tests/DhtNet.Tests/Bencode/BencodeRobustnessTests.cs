using static DhtNet.Tests.Bencode.BencodeTestData;

namespace DhtNet.Tests.Bencode;

/// <summary>
/// Hostile-input tests: every truncation and single-byte corruption of KRPC-shaped payloads may
/// only ever raise <see cref="BencodeException"/>, and every decoding loop terminates.
/// </summary>
public class BencodeRobustnessTests
{
    private static readonly byte[] XorMasks = [0x01, 0x80, 0xFF];
    private static readonly byte[] Replacements = "ilde:0-"u8.ToArray();

    private static readonly BencodeReaderOptions[] Modes =
    [
        BencodeReaderOptions.Strict,
        BencodeReaderOptions.Lax,
        new() { MaxDepth = 2, MaxElements = 16 },
    ];

    /// <summary>Reads the root's children with Skip and ReadEncodedValue instead of token by token.</summary>
    private static int SkipWalk(ReadOnlySpan<byte> data, BencodeReaderOptions options)
    {
        var reader = new BencodeReader(data, options);
        int steps = 0;
        if (!reader.Read() || reader.TokenType is not (BencodeTokenType.StartList or BencodeTokenType.StartDictionary))
        {
            return steps;
        }

        while (reader.Read() && reader.TokenType is not (BencodeTokenType.EndList or BencodeTokenType.EndDictionary))
        {
            if (++steps > data.Length)
            {
                throw new InvalidOperationException("Skip made no progress.");
            }

            if (reader.IsKey)
            {
                steps += reader.ReadEncodedValue().Length;
            }
            else
            {
                reader.Skip();
            }
        }

        return steps;
    }

    /// <summary>
    /// Decodes <paramref name="input"/> every way there is. Returns true when strict parsing
    /// accepted it; any exception other than BencodeException fails the test.
    /// </summary>
    private static bool DecodeEveryWay(byte[] input, string description)
    {
        bool strictAccepted = false;
        foreach (var options in Modes)
        {
            Decode(() => Walk(input, options));
            Decode(() => SkipWalk(input, options));
            bool parsed = Decode(() => BencodeValue.Parse(input, options));
            if (options == BencodeReaderOptions.Strict)
            {
                strictAccepted = parsed;
            }
        }

        if (strictAccepted)
        {
            // Strict mode accepts only canonical bencode, so writing it back gives the same bytes.
            Assert.Equal(input, BencodeValue.Parse(input).Encode());
        }

        return strictAccepted;

        bool Decode(Func<object> decode)
        {
            try
            {
                decode();
                return true;
            }
            catch (BencodeException error)
            {
                Assert.InRange(error.Offset, 0, input.Length);
                return false;
            }
            catch (Exception error)
            {
                Assert.Fail($"{description}: {error.GetType().Name} escaped: {error.Message}");
                return false;
            }
        }
    }

    [Theory]
    [MemberData(nameof(SampleNames), MemberType = typeof(BencodeTestData))]
    public void Decode_EveryTruncation_ThrowsOnlyBencodeException(string sample)
    {
        byte[] payload = Sample(sample);
        Assert.True(DecodeEveryWay(payload, $"{sample} whole"));

        for (int length = 0; length < payload.Length; length++)
        {
            byte[] prefix = payload[..length];

            // Bencode is prefix-free: no proper prefix of one value is itself a value.
            Assert.False(DecodeEveryWay(prefix, $"{sample} cut at {length}"), $"{sample} cut at {length} was accepted");
            Assert.Throws<BencodeException>(() => Walk(prefix, BencodeReaderOptions.Lax));
        }
    }

    [Theory]
    [MemberData(nameof(SampleNames), MemberType = typeof(BencodeTestData))]
    public void Decode_EverySingleByteCorruption_ThrowsOnlyBencodeException(string sample)
    {
        byte[] payload = Sample(sample);
        int accepted = 0;
        int rejected = 0;
        for (int offset = 0; offset < payload.Length; offset++)
        {
            foreach (byte mask in XorMasks)
            {
                Mutate(offset, (byte)(payload[offset] ^ mask), $"{sample}[{offset}] ^ 0x{mask:x2}");
            }

            foreach (byte replacement in Replacements)
            {
                if (payload[offset] != replacement)
                {
                    Mutate(offset, replacement, $"{sample}[{offset}] = '{(char)replacement}'");
                }
            }
        }

        // Corruptions inside string payloads stay valid; structural ones do not. Both must occur.
        Assert.True(accepted > 0, "no corruption was accepted");
        Assert.True(rejected > payload.Length, $"only {rejected} corruptions were rejected");

        void Mutate(int offset, byte value, string description)
        {
            byte[] mutated = (byte[])payload.Clone();
            mutated[offset] = value;
            if (DecodeEveryWay(mutated, description))
            {
                accepted++;
            }
            else
            {
                rejected++;
            }
        }
    }

    [Fact]
    public void Decode_RandomBencodeAlphabetGarbage_ThrowsOnlyBencodeException()
    {
        var random = new Random(42);
        const string alphabet = "ilde:0123456789-";
        for (int i = 0; i < 20_000; i++)
        {
            byte[] input = new byte[random.Next(0, 40)];
            for (int k = 0; k < input.Length; k++)
            {
                input[k] = (byte)alphabet[random.Next(alphabet.Length)];
            }

            DecodeEveryWay(input, $"garbage #{i}: {Text(input)}");
        }
    }

    [Fact]
    public void Decode_SplicedSamples_ThrowsOnlyBencodeException()
    {
        // Pieces of real messages glued together: plausible structure, wrong lengths and nesting.
        var random = new Random(7);
        byte[][] samples = [PingQuery(), FindNodeResponse(), GetPeersResponse(), Bep44Put(), NestedValue()];
        for (int i = 0; i < 5_000; i++)
        {
            byte[] a = samples[random.Next(samples.Length)];
            byte[] b = samples[random.Next(samples.Length)];
            int cut = random.Next(a.Length);
            int from = random.Next(b.Length);
            byte[] input = [.. a[..cut], .. b[from..]];
            DecodeEveryWay(input, $"splice #{i}");
        }
    }
}
