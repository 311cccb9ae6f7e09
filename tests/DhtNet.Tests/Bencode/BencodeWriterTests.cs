using System.Buffers;
using static DhtNet.Tests.Bencode.BencodeTestData;

namespace DhtNet.Tests.Bencode;

public class BencodeWriterTests
{
    private delegate void WriteAction(ref BencodeWriter writer);

    private static string WriteSpan(WriteAction write, int capacity = 4096)
    {
        byte[] buffer = new byte[capacity];
        var writer = new BencodeWriter(buffer);
        write(ref writer);
        Assert.Equal(writer.WrittenSpan.Length, writer.BytesWritten);
        return Text(writer.WrittenSpan);
    }

    private static string WriteBuffer(WriteAction write)
    {
        var output = new ArrayBufferWriter<byte>(1);
        var writer = new BencodeWriter(output);
        write(ref writer);
        Assert.Equal(output.WrittenCount, writer.BytesWritten);
        return Text(output.WrittenSpan);
    }

    /// <summary>Writes in both modes, requires identical bytes, and returns them.</summary>
    private static string WriteBoth(WriteAction write)
    {
        string span = WriteSpan(write);
        Assert.Equal(span, WriteBuffer(write));
        return span;
    }

    /// <summary>Requires the misuse to throw in both modes.</summary>
    private static void AssertMisuse(WriteAction write)
    {
        Assert.Throws<InvalidOperationException>(() => WriteSpan(write));
        Assert.Throws<InvalidOperationException>(() => WriteBuffer(write));
    }

    /// <summary>
    /// Requires <paramref name="write"/> to throw <typeparamref name="TException"/> on <paramref name="writer"/>,
    /// which the test then goes on using (Assert.Throws cannot take a lambda over a ref struct).
    /// </summary>
    private static void AssertThrowsAndGoesOn<TException>(ref BencodeWriter writer, WriteAction write, string message)
        where TException : Exception
    {
        try
        {
            write(ref writer);
        }
        catch (TException)
        {
            return;
        }

        Assert.Fail(message);
    }

    /// <summary>Writes the dictionary <c>d&lt;key&gt;i&lt;value&gt;ee</c>.</summary>
    private static void WriteOneEntryDictionary(ref BencodeWriter w, ReadOnlySpan<byte> key, long value)
    {
        w.WriteStartDictionary();
        w.WriteKey(key);
        w.WriteInteger(value);
        w.WriteEnd();
    }

    [Theory]
    [InlineData(0L, "i0e")]
    [InlineData(7L, "i7e")]
    [InlineData(-1L, "i-1e")]
    [InlineData(10L, "i10e")]
    [InlineData(-100L, "i-100e")]
    [InlineData(long.MaxValue, "i9223372036854775807e")]
    [InlineData(long.MinValue, "i-9223372036854775808e")]
    public void WriteInteger_WritesCanonicalDigits(long value, string expected)
    {
        Assert.Equal(expected, WriteBoth((ref BencodeWriter w) => w.WriteInteger(value)));
        Assert.Equal(expected.Length, BencodeWriter.IntegerSize(value));
    }

    [Theory]
    [InlineData("", "0:")]
    [InlineData("spam", "4:spam")]
    [InlineData("\u0000\u00ffe:", "4:\u0000\u00ffe:")]
    public void WriteByteString_WritesLengthPrefix(string value, string expected)
    {
        Assert.Equal(expected, WriteBoth((ref BencodeWriter w) => w.WriteByteString(Bytes(value))));
        Assert.Equal(expected.Length, BencodeWriter.ByteStringSize(value.Length));
    }

    [Fact]
    public void WriteByteString_Text_WritesUtf8()
    {
        Assert.Equal("6:h\xc3\xa9llo", WriteBoth((ref BencodeWriter w) => w.WriteByteString("héllo")));

        string large = new('\u20ac', 200); // 600 UTF-8 bytes: past the stack buffer
        string written = WriteBoth((ref BencodeWriter w) => w.WriteByteString(large));
        Assert.StartsWith("600:\xe2\x82\xac", written);
        Assert.Equal(604, written.Length);
    }

    [Fact]
    public void Sizes_MatchWrittenLengths()
    {
        foreach (int length in new[] { 0, 1, 9, 10, 99, 100, 999, 1000, 65535, int.MaxValue / 2 })
        {
            Assert.Equal(length.ToString(System.Globalization.CultureInfo.InvariantCulture).Length + 1 + length, BencodeWriter.ByteStringSize(length));
        }

        var random = new Random(7);
        for (int i = 0; i < 1000; i++)
        {
            long value = random.NextInt64(long.MinValue, long.MaxValue) >> random.Next(64);
            Assert.Equal(
                2 + value.ToString(System.Globalization.CultureInfo.InvariantCulture).Length,
                BencodeWriter.IntegerSize(value));
        }
    }

    [Fact]
    public void Write_ContainersAndKeys_ProduceCanonicalMessage()
    {
        string written = WriteBoth((ref BencodeWriter w) =>
        {
            w.WriteStartDictionary();
            w.WriteKey("a"u8);
            w.WriteStartDictionary();
            w.WriteKey("id"u8);
            w.WriteByteString("abcdefghij0123456789"u8);
            w.WriteEnd();
            w.WriteKey("l"u8);
            w.WriteStartList();
            w.WriteInteger(-3);
            w.WriteStartList();
            w.WriteEnd();
            w.WriteStartDictionary();
            w.WriteEnd();
            w.WriteEnd();
            w.WriteKey("q"u8);
            w.WriteByteString("ping"u8);
            w.WriteKey("t"u8);
            w.WriteByteString("aa"u8);
            w.WriteKey("y"u8);
            w.WriteByteString("q"u8);
            w.WriteEnd();
            Assert.True(w.IsComplete);
            Assert.Equal(0, w.CurrentDepth);
        });

        Assert.Equal("d1:ad2:id20:abcdefghij0123456789e1:lli-3eledee1:q4:ping1:t2:aa1:y1:qe", written);
        Assert.Equal(Text(BencodeValue.Parse(Bytes(written)).Encode()), written);
    }

    [Fact]
    public void WriteKey_EmptyKeyFirst_IsAccepted()
    {
        Assert.Equal("d0:i1e1:\x00i2ee", WriteBoth((ref BencodeWriter w) =>
        {
            w.WriteStartDictionary();
            w.WriteKey(""u8);
            w.WriteInteger(1);
            w.WriteKey([0]);
            w.WriteInteger(2);
            w.WriteEnd();
        }));
    }

    [Theory]
    [InlineData("b", "a")]
    [InlineData("a", "a")]
    [InlineData("ab", "a")]
    [InlineData("b", "")]
    [InlineData("\xff", "\x00")]
    [InlineData("", "")]
    public void WriteKey_NotAscending_Throws(string first, string second)
    {
        AssertMisuse((ref BencodeWriter w) =>
        {
            w.WriteStartDictionary();
            w.WriteKey(Bytes(first));
            w.WriteInteger(1);
            w.WriteKey(Bytes(second));
        });
    }

    [Fact]
    public void WriteKey_NestedDictionaries_CheckedPerLevel()
    {
        // The inner "z" does not constrain the outer keys, and the inner dictionary starts fresh.
        string written = WriteBoth((ref BencodeWriter w) =>
        {
            w.WriteStartDictionary();
            w.WriteKey("m"u8);
            w.WriteStartDictionary();
            w.WriteKey("a"u8);
            w.WriteInteger(1);
            w.WriteKey("z"u8);
            WriteOneEntryDictionary(ref w, "b"u8, 2);
            w.WriteEnd();
            w.WriteKey("n"u8);
            WriteOneEntryDictionary(ref w, "a"u8, 3);
            w.WriteEnd();
        });
        Assert.Equal("d1:md1:ai1e1:zd1:bi2eee1:nd1:ai3eee", written);

        // After the inner dictionary closes the outer key order still holds.
        AssertMisuse((ref BencodeWriter w) =>
        {
            w.WriteStartDictionary();
            w.WriteKey("m"u8);
            WriteOneEntryDictionary(ref w, "a"u8, 1);
            w.WriteKey("m"u8);
        });
    }

    [Fact]
    public void WriteKey_DictionaryInsideListInsideDictionary_KeepsOuterKey()
    {
        // The inner dictionary's keys must not overwrite the outer "b" through the list between them.
        string written = WriteBoth((ref BencodeWriter w) =>
        {
            w.WriteStartDictionary();
            w.WriteKey("b"u8);
            w.WriteStartList();
            WriteOneEntryDictionary(ref w, "z"u8, 1);
            w.WriteEnd();
            w.WriteKey("c"u8);
            w.WriteInteger(2);
            w.WriteEnd();
        });
        Assert.Equal("d1:bld1:zi1eee1:ci2ee", written);

        AssertMisuse((ref BencodeWriter w) =>
        {
            w.WriteStartDictionary();
            w.WriteKey("b"u8);
            w.WriteStartList();
            WriteOneEntryDictionary(ref w, "0"u8, 1);
            w.WriteEnd();
            w.WriteKey("b"u8);
        });
    }

    [Fact]
    public void WriteKey_LongKeysInBufferMode_GrowScratchAndStayChecked()
    {
        byte[] outerA = Bytes(new string('a', 300) + "1");
        byte[] outerB = Bytes(new string('a', 300) + "2");
        byte[] inner1 = Bytes(new string('x', 700));
        byte[] inner2 = Bytes(new string('x', 700) + "y");
        byte[] deep = Bytes(new string('q', 2000));

        string written = WriteBoth((ref BencodeWriter w) =>
        {
            w.WriteStartDictionary();
            w.WriteKey(outerA);
            w.WriteStartDictionary();
            w.WriteKey(inner1);
            WriteOneEntryDictionary(ref w, deep, 0);
            w.WriteKey(inner2);
            w.WriteInteger(1);
            w.WriteEnd();
            w.WriteKey(outerB);
            w.WriteInteger(2);
            w.WriteEnd();
        });
        Assert.Equal(
            D(
                (Text(outerA), D((Text(inner1), D((Text(deep), I(0)))), (Text(inner2), I(1)))),
                (Text(outerB), I(2))),
            BencodeValue.Parse(Bytes(written)));

        // Keys that differ only past the inline scratch are still compared in full.
        AssertMisuse((ref BencodeWriter w) =>
        {
            w.WriteStartDictionary();
            w.WriteKey(outerB);
            WriteOneEntryDictionary(ref w, deep, 0);
            w.WriteKey(outerA);
        });
        AssertMisuse((ref BencodeWriter w) =>
        {
            w.WriteStartDictionary();
            w.WriteKey(inner2);
            w.WriteInteger(0);
            w.WriteKey(inner2);
        });
    }

    [Fact]
    public void Write_KeyValueAlternation_Enforced()
    {
        // A value where a key is due.
        AssertMisuse((ref BencodeWriter w) =>
        {
            w.WriteStartDictionary();
            w.WriteInteger(1);
        });
        AssertMisuse((ref BencodeWriter w) =>
        {
            w.WriteStartDictionary();
            w.WriteKey("a"u8);
            w.WriteInteger(1);
            w.WriteStartList();
        });

        // Two keys in a row.
        AssertMisuse((ref BencodeWriter w) =>
        {
            w.WriteStartDictionary();
            w.WriteKey("a"u8);
            w.WriteKey("b"u8);
        });

        // Closing a dictionary whose last key has no value.
        AssertMisuse((ref BencodeWriter w) =>
        {
            w.WriteStartDictionary();
            w.WriteKey("a"u8);
            w.WriteEnd();
        });

        // Keys outside dictionaries.
        AssertMisuse((ref BencodeWriter w) => w.WriteKey("a"u8));
        AssertMisuse((ref BencodeWriter w) =>
        {
            w.WriteStartList();
            w.WriteKey("a"u8);
        });
    }

    [Fact]
    public void Write_AfterRootOrUnbalancedEnd_Throws()
    {
        AssertMisuse((ref BencodeWriter w) =>
        {
            w.WriteInteger(1);
            w.WriteInteger(2);
        });
        AssertMisuse((ref BencodeWriter w) =>
        {
            w.WriteStartList();
            w.WriteEnd();
            w.WriteEnd();
        });
        AssertMisuse((ref BencodeWriter w) => w.WriteEnd());
        AssertMisuse((ref BencodeWriter w) =>
        {
            w.WriteByteString("x"u8);
            w.WriteStartDictionary();
        });
    }

    [Fact]
    public void Write_NestingPastCeiling_Throws()
    {
        int ceiling = BencodeReaderOptions.DepthCeiling;
        string written = WriteBoth((ref BencodeWriter w) =>
        {
            for (int i = 0; i < ceiling; i++)
            {
                w.WriteStartList();
            }

            for (int i = 0; i < ceiling; i++)
            {
                w.WriteEnd();
            }
        });
        Assert.Equal(2 * ceiling, BencodeDataWalk(written, ceiling));

        AssertMisuse((ref BencodeWriter w) =>
        {
            for (int i = 0; i <= ceiling; i++)
            {
                w.WriteStartList();
            }
        });
    }

    private static int BencodeDataWalk(string written, int maxDepth) =>
        Walk(Bytes(written), new BencodeReaderOptions { MaxDepth = maxDepth });

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    [InlineData(3)]
    public void WriteInteger_SpanTooSmall_Throws(int capacity)
    {
        Assert.Throws<InvalidOperationException>(() => WriteSpan((ref BencodeWriter w) => w.WriteInteger(10), capacity));
        Assert.Equal("i10e", WriteSpan((ref BencodeWriter w) => w.WriteInteger(10), 4));
    }

    [Fact]
    public void Write_SpanTooSmall_ThrowsForEveryToken()
    {
        Assert.Throws<InvalidOperationException>(() => WriteSpan((ref BencodeWriter w) => w.WriteByteString("spam"u8), 5));
        Assert.Throws<InvalidOperationException>(() => WriteSpan((ref BencodeWriter w) => w.WriteStartList(), 0));
        Assert.Throws<InvalidOperationException>(() => WriteSpan((ref BencodeWriter w) => w.WriteEncodedValue("i1e"u8), 2));
        Assert.Throws<InvalidOperationException>(() => WriteSpan(
            (ref BencodeWriter w) =>
            {
                w.WriteStartDictionary();
                w.WriteKey("key"u8);
            },
            4));
        Assert.Throws<InvalidOperationException>(() => WriteSpan(
            (ref BencodeWriter w) =>
            {
                w.WriteStartList();
                w.WriteEnd();
            },
            1));
    }

    [Fact]
    public void Write_SpanTooSmall_LeavesWriterUsable()
    {
        byte[] buffer = new byte[8];
        var writer = new BencodeWriter(buffer);
        writer.WriteStartList();
        AssertThrowsAndGoesOn<InvalidOperationException>(ref writer, (ref BencodeWriter w) => w.WriteByteString("too long for it"u8), "The span is too small.");

        writer.WriteInteger(5);
        writer.WriteEnd();
        Assert.Equal("li5ee", Text(writer.WrittenSpan));
    }

    [Fact]
    public void WrittenSpan_InBufferMode_Throws()
    {
        var output = new ArrayBufferWriter<byte>();
        Assert.Throws<InvalidOperationException>(() =>
        {
            var writer = new BencodeWriter(output);
            writer.WriteInteger(1);
            return writer.WrittenSpan.Length;
        });
        Assert.Throws<ArgumentNullException>(() => new BencodeWriter((IBufferWriter<byte>)null!).BytesWritten);
    }

    [Fact]
    public void Write_SamplePayloads_SpanAndBufferModesAgree()
    {
        foreach (string name in new[] { "ping", "find_node", "get_peers", "put", "nested" })
        {
            byte[] sample = Sample(name);
            var value = BencodeValue.Parse(sample);
            string written = WriteBoth(value.WriteTo);
            Assert.Equal(Text(sample), written);
        }
    }

    [Theory]
    [InlineData("i0e")]
    [InlineData("0:")]
    [InlineData("le")]
    [InlineData("d1:ad1:bli1ee1:c0:e1:c0:e")]
    public void WriteEncodedValue_Canonical_CopiedVerbatim(string encoded)
    {
        string written = WriteBoth((ref BencodeWriter w) =>
        {
            w.WriteStartDictionary();
            w.WriteKey("v"u8);
            w.WriteEncodedValue(Bytes(encoded));
            w.WriteEnd();
        });
        Assert.Equal($"d1:v{encoded}e", written);
    }

    [Theory]
    [InlineData("")]
    [InlineData("i03e")]
    [InlineData("i-0e")]
    [InlineData("03:abc")]
    [InlineData("d1:bi1e1:ai1ee")]
    [InlineData("d1:ai1e1:ai1ee")]
    [InlineData("i1ei2e")]
    [InlineData("l")]
    [InlineData("4:abc")]
    [InlineData("e")]
    public void WriteEncodedValue_NonCanonical_ThrowsAndWritesNothing(string encoded)
    {
        byte[] buffer = new byte[64];
        var writer = new BencodeWriter(buffer);
        writer.WriteStartList();
        AssertThrowsAndGoesOn<BencodeException>(ref writer, (ref BencodeWriter w) => w.WriteEncodedValue(Bytes(encoded)), "Non-canonical input must be rejected.");

        Assert.Equal(1, writer.BytesWritten);
        writer.WriteEnd();
        Assert.Equal("le", Text(writer.WrittenSpan));
    }

    [Fact]
    public void WriteEncodedValue_TooDeepForRemainingNesting_Throws()
    {
        int ceiling = BencodeReaderOptions.DepthCeiling;
        byte[] nested = Bytes(new string('l', 2) + new string('e', 2));
        var output = new ArrayBufferWriter<byte>();
        var writer = new BencodeWriter(output);
        for (int i = 0; i < ceiling - 2; i++)
        {
            writer.WriteStartList();
        }

        writer.WriteEncodedValue(nested); // reaches exactly the ceiling
        writer.WriteStartList();
        writer.WriteStartList();
        writer.WriteEncodedValue("i1e"u8); // a scalar fits at the ceiling
        AssertThrowsAndGoesOn<BencodeException>(ref writer, (ref BencodeWriter w) => w.WriteEncodedValue("le"u8), "A list at the ceiling cannot be read back.");

        writer.WriteEnd();
        AssertThrowsAndGoesOn<BencodeException>(ref writer, (ref BencodeWriter w) => w.WriteEncodedValue(nested), "Two more levels do not fit.");
    }

    [Fact]
    public void WriteEncodedValue_LargeList_NotLimitedByDatagramElementLimit()
    {
        int count = BencodeReaderOptions.DefaultMaxElements + 10;
        byte[] encoded = Bytes("l" + string.Concat(Enumerable.Repeat("i0e", count)) + "e");
        var output = new ArrayBufferWriter<byte>();
        var writer = new BencodeWriter(output);
        writer.WriteEncodedValue(encoded);
        Assert.Equal(encoded.Length, output.WrittenCount);
    }
}
