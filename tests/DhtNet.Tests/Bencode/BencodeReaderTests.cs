using static DhtNet.Tests.Bencode.BencodeTestData;

namespace DhtNet.Tests.Bencode;

public class BencodeReaderTests
{
    /// <summary>The token stream as text: D/L start, E end, K(key), S(string), I(integer), each with its depth.</summary>
    private static string Tokens(string input, BencodeReaderOptions options = default)
    {
        var parts = new List<string>();
        var reader = new BencodeReader(Bytes(input), options);
        while (reader.Read())
        {
            string token = reader.TokenType switch
            {
                BencodeTokenType.Integer => $"I({reader.GetInt64()})",
                BencodeTokenType.ByteString => (reader.IsKey ? "K(" : "S(") + Text(reader.ValueSpan) + ")",
                BencodeTokenType.StartList => "L",
                BencodeTokenType.StartDictionary => "D",
                BencodeTokenType.EndList => "EL",
                BencodeTokenType.EndDictionary => "ED",
                _ => "?",
            };
            parts.Add($"{token}@{reader.CurrentDepth}");
        }

        return string.Join(" ", parts);
    }

    [Theory]
    [InlineData("i0e", 0L)]
    [InlineData("i42e", 42L)]
    [InlineData("i-42e", -42L)]
    [InlineData("i1234567890123e", 1234567890123L)]
    [InlineData("i9223372036854775807e", long.MaxValue)]
    [InlineData("i-9223372036854775808e", long.MinValue)]
    [InlineData("i-9223372036854775807e", long.MinValue + 1)]
    public void Read_Integer_ReturnsValueAndDigits(string input, long expected)
    {
        var reader = new BencodeReader(Bytes(input));
        Assert.True(reader.Read());
        Assert.Equal(BencodeTokenType.Integer, reader.TokenType);
        Assert.Equal(expected, reader.GetInt64());
        Assert.Equal(input[1..^1], Text(reader.ValueSpan));
        Assert.Equal(input.Length, reader.BytesConsumed);
        Assert.Equal(0, reader.CurrentDepth);
        Assert.True(reader.IsFinished);
        Assert.False(reader.Read());
    }

    [Theory]
    [InlineData("0:", "")]
    [InlineData("4:spam", "spam")]
    [InlineData("3:e:i", "e:i")]
    [InlineData("10:0123456789", "0123456789")]
    [InlineData("2:\x00\xff", "\x00\xff")]
    public void Read_ByteString_ReturnsExactBytes(string input, string expected)
    {
        var reader = new BencodeReader(Bytes(input));
        Assert.True(reader.Read());
        Assert.Equal(BencodeTokenType.ByteString, reader.TokenType);
        Assert.False(reader.IsKey);
        Assert.Equal(expected, Text(reader.ValueSpan));
        Assert.True(reader.ValueTextEquals(Bytes(expected)));
        Assert.False(reader.ValueTextEquals(Bytes(expected + "x")));
        Assert.Equal(input.Length, reader.BytesConsumed);
        Assert.False(reader.Read());
    }

    [Theory]
    [InlineData("le", "L@1 EL@0")]
    [InlineData("de", "D@1 ED@0")]
    [InlineData("l4:spami42ee", "L@1 S(spam)@1 I(42)@1 EL@0")]
    [InlineData("d3:bar4:spam3:fooi42ee", "D@1 K(bar)@1 S(spam)@1 K(foo)@1 I(42)@1 ED@0")]
    [InlineData("lli1eeldeee", "L@1 L@2 I(1)@2 EL@1 L@2 D@3 ED@2 EL@1 EL@0")]
    [InlineData("d1:ad1:zi1ee1:bl0:ee", "D@1 K(a)@1 D@2 K(z)@2 I(1)@2 ED@1 K(b)@1 L@2 S()@2 EL@1 ED@0")]
    [InlineData("d0:i0ee", "D@1 K()@1 I(0)@1 ED@0")]
    public void Read_Containers_ProduceTokensWithDepth(string input, string expected)
    {
        Assert.Equal(expected, Tokens(input));
    }

    [Fact]
    public void Read_Dictionary_TracksOffsets()
    {
        var reader = new BencodeReader(Bytes("d3:fooi42ee"));
        Assert.Equal(BencodeTokenType.None, reader.TokenType);
        Assert.True(reader.Read());
        Assert.Equal(0, reader.TokenStartIndex);
        Assert.Equal(1, reader.BytesConsumed);
        Assert.True(reader.Read());
        Assert.True(reader.IsKey);
        Assert.True(reader.ValueTextEquals("foo"u8));
        Assert.Equal(1, reader.TokenStartIndex);
        Assert.Equal(6, reader.BytesConsumed);
        Assert.True(reader.Read());
        Assert.False(reader.IsKey);
        Assert.Equal(6, reader.TokenStartIndex);
        Assert.Equal(10, reader.BytesConsumed);
        Assert.False(reader.IsFinished);
        Assert.True(reader.Read());
        Assert.Equal(BencodeTokenType.EndDictionary, reader.TokenType);
        Assert.True(reader.IsFinished);
        Assert.False(reader.Read());
    }

    [Fact]
    public void GetInt64_OnByteString_ThrowsInvalidOperation()
    {
        var reader = new BencodeReader("1:a"u8);
        reader.Read();
        try
        {
            reader.GetInt64();
            Assert.Fail("GetInt64 on a byte string must throw.");
        }
        catch (InvalidOperationException)
        {
        }
    }

    [Theory]
    // Empty and truncated input.
    [InlineData("", 0)]
    [InlineData("i", 0)]
    [InlineData("i42", 0)]
    [InlineData("i-", 0)]
    [InlineData("4", 0)]
    [InlineData("4:spa", 0)]
    [InlineData("l", 1)]
    [InlineData("li1e", 4)]
    [InlineData("d", 1)]
    [InlineData("d3:foo", 6)]
    [InlineData("d3:fooi1e", 9)]
    // Integers: no digits, leading zeros, -0, stray bytes, overflow.
    [InlineData("ie", 0)]
    [InlineData("i-e", 0)]
    [InlineData("i-0e", 0)]
    [InlineData("i00e", 0)]
    [InlineData("i03e", 0)]
    [InlineData("i-03e", 0)]
    [InlineData("i+3e", 1)]
    [InlineData("i4x2e", 2)]
    [InlineData("i 1e", 1)]
    [InlineData("i1.5e", 2)]
    [InlineData("i9223372036854775808e", 0)]
    [InlineData("i-9223372036854775809e", 0)]
    [InlineData("i99999999999999999999e", 0)]
    [InlineData("i18446744073709551616e", 0)]
    // Byte strings: leading zeros, bad lengths, length past the end.
    [InlineData("01:a", 0)]
    [InlineData("00:", 0)]
    [InlineData("-1:a", 0)]
    [InlineData("4x", 1)]
    [InlineData("5:abcd", 0)]
    [InlineData("2147483647:a", 0)]
    [InlineData("2147483648:a", 0)]
    [InlineData("99999999999999999999:a", 0)]
    [InlineData("l5:abcd", 1)]
    // Structure.
    [InlineData("e", 0)]
    [InlineData("x", 0)]
    [InlineData("lx", 1)]
    [InlineData("d3:fooe", 6)]
    [InlineData("di1ei2ee", 1)]
    [InlineData("dlei1ee", 1)]
    [InlineData("ddee", 1)]
    // Trailing bytes after the root.
    [InlineData("i1ei2e", 3)]
    [InlineData("4:spamx", 6)]
    [InlineData("lee", 2)]
    [InlineData("de\x00", 2)]
    // Dictionary key order: unsorted, duplicate, prefix order, nested, after a nested value.
    [InlineData("d1:bi1e1:ai2ee", 7)]
    [InlineData("d1:ai1e1:ai2ee", 7)]
    [InlineData("d2:abi1e1:ai2ee", 8)]
    [InlineData("d1:ai1e1:bi2e1:bi3ee", 13)]
    [InlineData("d1:ad1:bi1e1:ai2eee", 11)]
    [InlineData("d1:bd1:ai1ee1:ai2ee", 12)]
    [InlineData("d1:\xffi1e1:\x00i2ee", 7)]
    public void Read_Malformed_ThrowsBencodeExceptionAtOffset(string input, int offset)
    {
        var error = Assert.Throws<BencodeException>(() => Walk(Bytes(input)));
        Assert.Equal(offset, error.Offset);
        Assert.Contains($"offset {offset}", error.Message);
        Assert.False(string.IsNullOrEmpty(error.Reason));

        // The DOM parser sees the same problem.
        var parseError = Assert.Throws<BencodeException>(() => BencodeValue.Parse(Bytes(input)));
        Assert.Equal(offset, parseError.Offset);
    }

    [Theory]
    [InlineData("d1:bi1e1:ai2ee", "D@1 K(b)@1 I(1)@1 K(a)@1 I(2)@1 ED@0")]
    [InlineData("d1:ai1e1:ai2ee", "D@1 K(a)@1 I(1)@1 K(a)@1 I(2)@1 ED@0")]
    [InlineData("d1:ad1:bi1e1:ai2eee", "D@1 K(a)@1 D@2 K(b)@2 I(1)@2 K(a)@2 I(2)@2 ED@1 ED@0")]
    public void Read_UnsortedKeys_LaxAcceptsStrictRejects(string input, string expected)
    {
        Assert.Equal(expected, Tokens(input, BencodeReaderOptions.Lax));
        Assert.Equal(expected, Tokens(input, new BencodeReaderOptions { AllowUnsortedKeys = true }));
        Assert.Throws<BencodeException>(() => Tokens(input));
        Assert.Throws<BencodeException>(() => Tokens(input, BencodeReaderOptions.Strict));
    }

    [Fact]
    public void Read_TrailingBytes_AcceptedOnlyWhenAllowed()
    {
        byte[] input = Bytes("i1ejunk");
        Assert.Throws<BencodeException>(() => Walk(input));
        Assert.Throws<BencodeException>(() => Walk(input, new BencodeReaderOptions { AllowUnsortedKeys = true }));

        var reader = new BencodeReader(input, new BencodeReaderOptions { AllowTrailingBytes = true });
        Assert.True(reader.Read());
        Assert.Equal(1, reader.GetInt64());
        Assert.Equal(3, reader.BytesConsumed);
        Assert.False(reader.Read());
        Assert.Equal(new BencodeInteger(1), BencodeValue.Parse(input, BencodeReaderOptions.Lax));
    }

    [Fact]
    public void Read_UnsortedKeysInLaxMode_StillRejectsOtherDefects()
    {
        Assert.Throws<BencodeException>(() => Walk(Bytes("d1:bi01e1:ai2ee"), BencodeReaderOptions.Lax));
        Assert.Throws<BencodeException>(() => Walk(Bytes("d1:bi-0e1:ai2ee"), BencodeReaderOptions.Lax));
        Assert.Throws<BencodeException>(() => Walk(Bytes("d1:b9:ae"), BencodeReaderOptions.Lax));
    }

    [Fact]
    public void Read_HundredThousandNestedLists_ThrowsAtDepthLimit()
    {
        byte[] input = new byte[100_000];
        input.AsSpan().Fill((byte)'l');

        var error = Assert.Throws<BencodeException>(() => Walk(input));
        Assert.Equal(BencodeReaderOptions.DefaultMaxDepth, error.Offset);
        Assert.Throws<BencodeException>(() => BencodeValue.Parse(input));

        input.AsSpan().Fill((byte)'d');
        Assert.Throws<BencodeException>(() => Walk(input));

        // Alternating list and dictionary-with-key nesting.
        byte[] mixed = Bytes(string.Concat(Enumerable.Repeat("d1:al", 20_000)));
        Assert.Throws<BencodeException>(() => Walk(mixed));
        Assert.Throws<BencodeException>(() => BencodeValue.Parse(mixed, BencodeReaderOptions.Lax));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(BencodeReaderOptions.DefaultMaxDepth)]
    [InlineData(BencodeReaderOptions.DepthCeiling)]
    public void Read_NestingAtMaxDepth_IsAcceptedAndOneMoreThrows(int maxDepth)
    {
        var options = new BencodeReaderOptions { MaxDepth = maxDepth };
        byte[] atLimit = Bytes(new string('l', maxDepth) + new string('e', maxDepth));
        Assert.Equal(2 * maxDepth, Walk(atLimit, options));

        byte[] over = Bytes(new string('l', maxDepth + 1) + new string('e', maxDepth + 1));
        var error = Assert.Throws<BencodeException>(() => Walk(over, options));
        Assert.Equal(maxDepth, error.Offset);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(BencodeReaderOptions.DepthCeiling + 1)]
    public void Options_MaxDepthOutOfRange_Throws(int maxDepth)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new BencodeReaderOptions { MaxDepth = maxDepth });
    }

    [Fact]
    public void Options_Defaults_AreStrictWithDocumentedLimits()
    {
        var options = default(BencodeReaderOptions);
        Assert.Equal(BencodeReaderOptions.DefaultMaxDepth, options.MaxDepth);
        Assert.Equal(BencodeReaderOptions.DefaultMaxElements, options.MaxElements);
        Assert.False(options.AllowUnsortedKeys);
        Assert.False(options.AllowTrailingBytes);
        Assert.Throws<ArgumentOutOfRangeException>(() => new BencodeReaderOptions { MaxElements = 0 });
    }

    [Fact]
    public void Read_ElementLimit_CountsEveryValueAndThrowsPastIt()
    {
        var options = new BencodeReaderOptions { MaxElements = 5 };

        // List, key, integer, key, string: five values.
        Assert.Equal(6, Walk(Bytes("d1:ai1e1:b0:e"), options));

        var error = Assert.Throws<BencodeException>(() => Walk(Bytes("li1ei2ei3ei4ei5ee"), options));
        Assert.Equal(13, error.Offset);
    }

    [Fact]
    public void Read_ManySmallValues_HitDefaultElementLimit()
    {
        int count = BencodeReaderOptions.DefaultMaxElements;
        byte[] input = Bytes("l" + string.Concat(Enumerable.Repeat("0:", count)) + "e");
        var error = Assert.Throws<BencodeException>(() => Walk(input));
        Assert.Equal(1 + (2 * (count - 1)), error.Offset);
    }

    [Fact]
    public void ReadEncodedValue_AtRoot_ReturnsWholeInput()
    {
        byte[] input = NestedValue();
        var reader = new BencodeReader(input);
        Assert.Equal(Text(input), Text(reader.ReadEncodedValue()));
        Assert.True(reader.IsFinished);
        Assert.Equal(input.Length, reader.BytesConsumed);
    }

    [Fact]
    public void ReadEncodedValue_OnKeys_ReturnsExactNestedSlices()
    {
        var reader = new BencodeReader(Bytes("d1:ad1:bli1ei2eee1:c3:xyz1:di-7ee"));
        Assert.True(reader.Read());
        Assert.True(reader.Read());
        Assert.True(reader.ValueTextEquals("a"u8));
        Assert.Equal("d1:bli1ei2eee", Text(reader.ReadEncodedValue()));
        Assert.Equal(1, reader.CurrentDepth);

        Assert.True(reader.Read());
        Assert.True(reader.ValueTextEquals("c"u8));
        Assert.Equal("3:xyz", Text(reader.ReadEncodedValue()));

        Assert.True(reader.Read());
        Assert.Equal("i-7e", Text(reader.ReadEncodedValue()));

        Assert.True(reader.Read());
        Assert.Equal(BencodeTokenType.EndDictionary, reader.TokenType);
        Assert.False(reader.Read());
    }

    [Fact]
    public void ReadEncodedValue_InList_ReturnsEachElementThenThrowsAtEnd()
    {
        var reader = new BencodeReader(Bytes("li1el2:abdee0:e"));
        Assert.True(reader.Read());
        Assert.Equal("i1e", Text(reader.ReadEncodedValue()));
        Assert.Equal("l2:abdee", Text(reader.ReadEncodedValue()));
        Assert.Equal("0:", Text(reader.ReadEncodedValue()));
        Assert.Equal(1, reader.CurrentDepth);
        try
        {
            reader.ReadEncodedValue();
            Assert.Fail("ReadEncodedValue at the end of a list must throw.");
        }
        catch (BencodeException error)
        {
            Assert.Equal(14, error.Offset);
        }
    }

    [Fact]
    public void ReadEncodedValue_BeforeFirstKey_ReturnsTheKeyOnly()
    {
        var reader = new BencodeReader(Bytes("d3:keyli1eee"));
        Assert.True(reader.Read());
        Assert.Equal("3:key", Text(reader.ReadEncodedValue()));
        Assert.True(reader.IsKey);
        Assert.Equal("li1ee", Text(reader.ReadEncodedValue()));
    }

    [Fact]
    public void ReadEncodedValue_AfterRoot_Throws()
    {
        var reader = new BencodeReader("i1e"u8);
        reader.ReadEncodedValue();
        try
        {
            reader.ReadEncodedValue();
            Assert.Fail("No value is left after the root.");
        }
        catch (BencodeException error)
        {
            Assert.Equal(3, error.Offset);
        }
    }

    [Fact]
    public void ReadEncodedValue_MalformedInside_Throws()
    {
        Assert.Throws<BencodeException>(() =>
        {
            var reader = new BencodeReader(Bytes("d1:ad1:bi01eee"));
            reader.Read();
            reader.Read();
            reader.ReadEncodedValue();
        });
    }

    [Fact]
    public void Skip_OnKey_SkipsItsValue()
    {
        var reader = new BencodeReader(Bytes("d1:ad1:bl1:xee1:ci5ee"));
        reader.Read();
        reader.Read();
        Assert.True(reader.IsKey);
        reader.Skip();
        Assert.Equal(BencodeTokenType.EndDictionary, reader.TokenType);
        Assert.Equal(1, reader.CurrentDepth);
        Assert.True(reader.Read());
        Assert.True(reader.ValueTextEquals("c"u8));
        reader.Skip();
        Assert.Equal(5, reader.GetInt64());
        Assert.True(reader.Read());
        Assert.Equal(BencodeTokenType.EndDictionary, reader.TokenType);
    }

    [Fact]
    public void Skip_OnStartList_LeavesReaderOnMatchingEnd()
    {
        var reader = new BencodeReader(Bytes("lli1eli2eeei3ee"));
        reader.Read();
        reader.Read();
        Assert.Equal(2, reader.CurrentDepth);
        reader.Skip();
        Assert.Equal(BencodeTokenType.EndList, reader.TokenType);
        Assert.Equal(1, reader.CurrentDepth);
        Assert.Equal(11, reader.BytesConsumed);
        Assert.Equal(3, reader.ReadInt64Value());
    }

    [Fact]
    public void Skip_OnRoot_ConsumesEverything()
    {
        var reader = new BencodeReader(FindNodeResponse());
        reader.Read();
        reader.Skip();
        Assert.True(reader.IsFinished);
        Assert.Equal(0, reader.CurrentDepth);
        Assert.False(reader.Read());
    }

    [Fact]
    public void Skip_OnScalar_DoesNothing()
    {
        var reader = new BencodeReader(Bytes("li1ei2ee"));
        reader.Read();
        reader.Read();
        int consumed = reader.BytesConsumed;
        reader.Skip();
        Assert.Equal(consumed, reader.BytesConsumed);
        Assert.Equal(1, reader.GetInt64());
    }

    [Fact]
    public void Skip_OverMalformedChild_Throws()
    {
        Assert.Throws<BencodeException>(() =>
        {
            var reader = new BencodeReader(Bytes("d1:ald1:bi1e1:ai1eee"));
            reader.Read();
            reader.Read();
            reader.Skip();
        });
    }

    [Fact]
    public void ReadTypedValues_ReturnValuesAndRejectWrongKinds()
    {
        var reader = new BencodeReader(Bytes("d1:ai7e1:b2:xye"));
        reader.Read();
        Assert.Equal("a", Text(reader.ReadByteStringValue()));
        Assert.Equal(7, reader.ReadInt64Value());
        Assert.Equal("b", Text(reader.ReadByteStringValue()));
        try
        {
            reader.ReadInt64Value();
            Assert.Fail("A byte string is not an integer.");
        }
        catch (BencodeException error)
        {
            Assert.Equal(10, error.Offset);
        }

        var lists = new BencodeReader(Bytes("li1ee"));
        lists.Read();
        try
        {
            lists.ReadByteStringValue();
            Assert.Fail("An integer is not a byte string.");
        }
        catch (BencodeException error)
        {
            Assert.Equal(1, error.Offset);
        }
    }

    [Fact]
    public void Input_IsTheSpanGiven()
    {
        byte[] input = Bytes("i1e");
        var reader = new BencodeReader(input);
        Assert.True(reader.Input == input.AsSpan());
    }
}
