using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace DhtNet.Mainline.Bencode;

/// <summary>
/// A forward-only, allocation-free bencode reader over a span, in the shape of Utf8JsonReader:
/// call <see cref="Read"/> until it returns false and inspect <see cref="TokenType"/>,
/// <see cref="ValueSpan"/> and <see cref="GetInt64"/>. Every malformed input throws
/// <see cref="BencodeException"/> and nothing else; nesting and element count are bounded, so
/// hostile input costs at most O(its length).
/// </summary>
public ref struct BencodeReader
{
    private const long NoKey = -1;

    private readonly ReadOnlySpan<byte> _data;
    private readonly BencodeReaderOptions _options;
    private readonly int _maxDepth;
    private readonly int _maxElements;

    private int _position;
    private int _depth;
    private ulong _dictionaryDepths; // bit (d - 1) set when the container at depth d is a dictionary
    private bool _expectKey;
    private bool _rootDone;
    private int _elements;

    private BencodeTokenType _tokenType;
    private int _tokenStart;
    private int _valueStart;
    private int _valueLength;
    private long _integer;
    private bool _isKey;

    // The previous key of the open dictionary at each depth, packed as (start << 32) | length.
    private KeyStack _previousKeys;

    public BencodeReader(ReadOnlySpan<byte> data, BencodeReaderOptions options = default)
    {
        _data = data;
        _options = options;
        _maxDepth = options.MaxDepth;
        _maxElements = options.MaxElements;
        _tokenType = BencodeTokenType.None;
    }

    /// <summary>The token the reader is positioned on.</summary>
    public readonly BencodeTokenType TokenType => _tokenType;

    /// <summary>Bytes of the current byte string, or the digits of the current integer.</summary>
    public readonly ReadOnlySpan<byte> ValueSpan => _data.Slice(_valueStart, _valueLength);

    /// <summary>Number of open lists and dictionaries around the current position.</summary>
    public readonly int CurrentDepth => _depth;

    /// <summary>Bytes consumed so far (the offset just after the current token).</summary>
    public readonly int BytesConsumed => _position;

    /// <summary>Offset of the first byte of the current token.</summary>
    public readonly int TokenStartIndex => _tokenStart;

    /// <summary>True when the current byte string is a dictionary key.</summary>
    public readonly bool IsKey => _isKey;

    /// <summary>True once the whole root value has been read.</summary>
    public readonly bool IsFinished => _rootDone;

    /// <summary>The input the reader was created over.</summary>
    public readonly ReadOnlySpan<byte> Input => _data;

    /// <summary>The value of the current integer token.</summary>
    public readonly long GetInt64()
    {
        if (_tokenType != BencodeTokenType.Integer)
        {
            throw new InvalidOperationException($"The current token is {_tokenType}, not an integer.");
        }

        return _integer;
    }

    /// <summary>True when the current byte string equals <paramref name="text"/>.</summary>
    public readonly bool ValueTextEquals(ReadOnlySpan<byte> text) =>
        _tokenType == BencodeTokenType.ByteString && ValueSpan.SequenceEqual(text);

    /// <summary>
    /// Advances to the next token. Returns false once the root value is complete.
    /// </summary>
    public bool Read()
    {
        if (_rootDone)
        {
            return false;
        }

        int position = _position;
        ReadOnlySpan<byte> data = _data;
        if ((uint)position >= (uint)data.Length)
        {
            ThrowEndOfInput();
        }

        _tokenStart = position;
        _isKey = false;
        byte b = data[position];

        // _expectKey is only ever true while the innermost container is a dictionary.
        if (_expectKey)
        {
            if (b == (byte)'e')
            {
                EndContainer(BencodeTokenType.EndDictionary);
                return true;
            }

            if (!IsDigit(b))
            {
                ThrowUnexpected(b, "dictionary key must be a byte string, found '{0}'", position);
            }

            CountElement();
            ReadByteString();
            CheckKeyOrder();
            _isKey = true;
            _expectKey = false;
            return true;
        }

        if (IsDigit(b))
        {
            CountElement();
            ReadByteString();
            AfterValue();
            return true;
        }

        switch (b)
        {
            case (byte)'i':
                CountElement();
                ReadInteger();
                AfterValue();
                return true;
            case (byte)'l':
                CountElement();
                StartContainer(dictionary: false);
                return true;
            case (byte)'d':
                CountElement();
                StartContainer(dictionary: true);
                return true;
            case (byte)'e':
                if (_depth == 0)
                {
                    throw Error("unexpected 'e' outside a list or dictionary");
                }

                if (IsDictionary(_depth))
                {
                    throw Error("dictionary key has no value");
                }

                EndContainer(BencodeTokenType.EndList);
                return true;
            default:
                ThrowUnexpected(b, "unexpected byte '{0}' where a value should start", position);
                return false;
        }
    }

    /// <summary>
    /// Skips the children of the current list or dictionary (leaving the reader on its end token),
    /// or, when positioned on a dictionary key, skips the key's value. Does nothing on a scalar.
    /// </summary>
    public void Skip()
    {
        if (_isKey)
        {
            Read();
        }

        SkipChildren();
    }

    /// <summary>
    /// Reads the next value whole and returns its exact encoded bytes, as they appear in the input
    /// (BEP 44 signs these bytes). When positioned on a dictionary key, that is the key's value.
    /// </summary>
    public ReadOnlySpan<byte> ReadEncodedValue()
    {
        if (!Read())
        {
            throw Error("no value left to read");
        }

        if (_tokenType is BencodeTokenType.EndList or BencodeTokenType.EndDictionary)
        {
            throw Error("expected a value, found the end of a container", _tokenStart);
        }

        // Not Skip(): when the token just read is a key, the key itself is the value asked for.
        int start = _tokenStart;
        SkipChildren();
        return _data[start.._position];
    }

    /// <summary>Reads the next token and requires it to be a byte string.</summary>
    public ReadOnlySpan<byte> ReadByteStringValue()
    {
        if (!Read())
        {
            throw Error("no value left to read");
        }

        if (_tokenType != BencodeTokenType.ByteString)
        {
            throw Error("expected a byte string", _tokenStart);
        }

        return ValueSpan;
    }

    /// <summary>Reads the next token and requires it to be an integer.</summary>
    public long ReadInt64Value()
    {
        if (!Read())
        {
            throw Error("no value left to read");
        }

        if (_tokenType != BencodeTokenType.Integer)
        {
            throw Error("expected an integer", _tokenStart);
        }

        return _integer;
    }

    /// <summary>On a start token, reads up to and including the matching end token.</summary>
    private void SkipChildren()
    {
        if (_tokenType is BencodeTokenType.StartList or BencodeTokenType.StartDictionary)
        {
            int depth = _depth - 1;
            while (Read() && _depth > depth)
            {
            }
        }
    }

    private void StartContainer(bool dictionary)
    {
        if (_depth >= _maxDepth)
        {
            throw Error($"nesting deeper than {_maxDepth}");
        }

        _depth++;
        ulong bit = 1UL << (_depth - 1);
        if (dictionary)
        {
            _dictionaryDepths |= bit;
            _previousKeys[_depth - 1] = NoKey;
        }
        else
        {
            _dictionaryDepths &= ~bit;
        }

        _expectKey = dictionary;

        _position++;
        _tokenType = dictionary ? BencodeTokenType.StartDictionary : BencodeTokenType.StartList;
        _valueStart = _position;
        _valueLength = 0;
    }

    private void EndContainer(BencodeTokenType type)
    {
        _position++;
        _depth--;
        _tokenType = type;
        _valueStart = _position;
        _valueLength = 0;
        AfterValue();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void AfterValue()
    {
        if (_depth == 0)
        {
            _expectKey = false;
            _rootDone = true;
            if (!_options.AllowTrailingBytes && _position != _data.Length)
            {
                ThrowTrailingBytes();
            }
        }
        else
        {
            _expectKey = IsDictionary(_depth);
        }
    }

    private void ReadInteger()
    {
        int p = _position + 1; // past 'i'
        bool negative = false;
        if (p < _data.Length && _data[p] == (byte)'-')
        {
            negative = true;
            p++;
        }

        int digitsStart = p;
        ulong magnitude = 0;
        ReadOnlySpan<byte> data = _data;
        while ((uint)p < (uint)data.Length)
        {
            uint digit = (uint)(data[p] - '0');
            if (digit > 9)
            {
                break;
            }

            // Below this bound ten times plus a digit cannot pass long.MaxValue; only check near it.
            if (magnitude >= long.MaxValue / 10)
            {
                // long.MinValue's magnitude is one more than long.MaxValue.
                ulong limit = negative ? (ulong)long.MaxValue + 1 : long.MaxValue;
                if (magnitude > (limit - digit) / 10)
                {
                    throw Error("integer does not fit in 64 bits", _tokenStart);
                }
            }

            magnitude = (magnitude * 10) + digit;
            p++;
        }

        int digitCount = p - digitsStart;
        if (p >= _data.Length)
        {
            throw Error("unterminated integer", _tokenStart);
        }

        if (_data[p] != (byte)'e')
        {
            ThrowUnexpected(_data[p], "unexpected byte '{0}' in integer", p);
        }

        if (digitCount == 0)
        {
            throw Error("integer has no digits", _tokenStart);
        }

        if (digitCount > 1 && _data[digitsStart] == (byte)'0')
        {
            throw Error("integer has a leading zero", _tokenStart);
        }

        if (negative && magnitude == 0)
        {
            throw Error("negative zero", _tokenStart);
        }

        _integer = negative ? (long)(0 - magnitude) : (long)magnitude;
        _tokenType = BencodeTokenType.Integer;
        _valueStart = _position + 1;
        _valueLength = p - _valueStart;
        _position = p + 1;
    }

    private void ReadByteString()
    {
        ReadOnlySpan<byte> data = _data;
        int start = _position;
        int p = start;
        ulong length = 0;
        while ((uint)p < (uint)data.Length)
        {
            uint digit = (uint)(data[p] - '0');
            if (digit > 9)
            {
                break;
            }

            // Eleven digits cannot be a 32-bit length; stopping here also keeps the ulong exact.
            if (p - start >= 10)
            {
                throw Error("byte string length does not fit in 32 bits", start);
            }

            length = (length * 10) + digit;
            p++;
        }

        if ((uint)p >= (uint)data.Length)
        {
            throw Error("unterminated byte string length", start);
        }

        if (data[p] != (byte)':')
        {
            ThrowUnexpected(data[p], "unexpected byte '{0}' in byte string length", p);
        }

        if (p - start > 1 && data[start] == (byte)'0')
        {
            throw Error("byte string length has a leading zero", start);
        }

        p++; // past ':'
        if (length > (ulong)(data.Length - p))
        {
            ThrowLengthPastEnd(length, data.Length - p, start);
        }

        _tokenType = BencodeTokenType.ByteString;
        _valueStart = p;
        _valueLength = (int)length;
        _position = p + (int)length;
    }

    private void CheckKeyOrder()
    {
        ref long previous = ref _previousKeys[_depth - 1];
        if (!_options.AllowUnsortedKeys && previous != NoKey)
        {
            var previousKey = _data.Slice((int)(previous >> 32), (int)(previous & 0xFFFF_FFFF));
            int order = ValueSpan.SequenceCompareTo(previousKey);
            if (order <= 0)
            {
                throw Error(order == 0 ? "duplicate dictionary key" : "dictionary keys are not sorted", _tokenStart);
            }
        }

        previous = ((long)_valueStart << 32) | (uint)_valueLength;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void CountElement()
    {
        if (++_elements > _maxElements)
        {
            ThrowTooManyElements();
        }
    }

    // Throw helpers keep message formatting out of the hot methods so those stay small.
    [DoesNotReturn]
    private readonly void ThrowEndOfInput() =>
        throw Error(_data.Length == 0 ? "empty input" : "unexpected end of input");

    [DoesNotReturn]
    private readonly void ThrowTooManyElements() => throw Error($"more than {_maxElements} values");

    [DoesNotReturn]
    private readonly void ThrowTrailingBytes() =>
        throw Error($"{_data.Length - _position} trailing bytes after the root value");

    [DoesNotReturn]
    private static void ThrowUnexpected(byte b, string format, int offset) =>
        throw Error(string.Format(System.Globalization.CultureInfo.InvariantCulture, format, Printable(b)), offset);

    [DoesNotReturn]
    private static void ThrowLengthPastEnd(ulong length, int remaining, int offset) =>
        throw Error($"byte string length {length} exceeds the {remaining} bytes remaining", offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private readonly bool IsDictionary(int depth) => (_dictionaryDepths & (1UL << (depth - 1))) != 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool IsDigit(byte b) => (uint)(b - '0') <= 9;

    private static string Printable(byte b) => b is >= 0x20 and < 0x7F ? ((char)b).ToString() : $"0x{b:x2}";

    private readonly BencodeException Error(string message) => new(message, _position);

    private static BencodeException Error(string message, int offset) => new(message, offset);

    [InlineArray(BencodeReaderOptions.DepthCeiling)]
    private struct KeyStack
    {
        private long _element0;
    }
}
