using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace DhtNet.Mainline.Bencode;

/// <summary>
/// Writes canonical bencode to a <see cref="Span{T}"/> or an <see cref="IBufferWriter{T}"/>.
/// It cannot produce non-canonical output: dictionary keys must be written in ascending byte
/// order (an out-of-order or repeated key throws), integers are written without leading zeros,
/// and keys and values must alternate. Misuse throws <see cref="InvalidOperationException"/>.
/// </summary>
public ref struct BencodeWriter
{
    private const int KeyScratchSize = 256;

    private readonly IBufferWriter<byte>? _output;
    private readonly Span<byte> _destination;
    private int _written;           // span mode: bytes written into _destination
    private long _totalWritten;     // both modes

    private int _depth;
    private ulong _dictionaryDepths;
    private bool _expectKey;
    private bool _rootDone;

    // Previous key per open dictionary: (start << 32) | length, into the destination (span mode)
    // or into the key scratch (buffer-writer mode, where written bytes cannot be read back).
    // Before its first key a dictionary holds ~base: -1 in span mode, and in buffer-writer mode
    // the scratch offset where its keys go. The scratch is a stack: each open dictionary keeps
    // its latest key just above the keys of the dictionaries around it.
    private KeyStack _previousKeys;
    private int _scratchTop;
    private KeyScratch _keyScratch;
    private byte[]? _largeKeyScratch;

    /// <summary>Writes into <paramref name="destination"/>; throws when it is too small.</summary>
    public BencodeWriter(Span<byte> destination)
    {
        _destination = destination;
        _output = null;
    }

    /// <summary>Writes into <paramref name="output"/>, advancing it as each token is written.</summary>
    public BencodeWriter(IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        _output = output;
        _destination = default;
    }

    /// <summary>Total bytes written.</summary>
    public readonly long BytesWritten => _totalWritten;

    /// <summary>The bytes written so far (span mode only).</summary>
    public readonly ReadOnlySpan<byte> WrittenSpan => _output is null
        ? _destination[.._written]
        : throw new InvalidOperationException("WrittenSpan is only available when writing to a span.");

    /// <summary>True once one complete root value has been written.</summary>
    public readonly bool IsComplete => _rootDone;

    /// <summary>Number of open lists and dictionaries.</summary>
    public readonly int CurrentDepth => _depth;

    /// <summary>Writes an integer (canonical: no leading zeros, no <c>-0</c>).</summary>
    public void WriteInteger(long value)
    {
        BeforeValue();
        ulong magnitude = value < 0 ? (ulong)-(value + 1) + 1 : (ulong)value; // long.MinValue has no positive twin
        int digits = DigitCount(magnitude);
        int sign = value < 0 ? 1 : 0;
        int size = digits + sign + 2;
        Span<byte> span = Reserve(size);
        span[0] = (byte)'i';
        span[1] = (byte)'-'; // overwritten by the first digit when there is no sign
        WriteDigits(span.Slice(1 + sign, digits), magnitude);
        span[size - 1] = (byte)'e';
        Commit(size);
        AfterValue();
    }

    /// <summary>Writes a byte string.</summary>
    public void WriteByteString(scoped ReadOnlySpan<byte> value)
    {
        BeforeValue();
        WriteStringToken(value);
        AfterValue();
    }

    /// <summary>Writes a byte string of the UTF-8 bytes of <paramref name="text"/>.</summary>
    public void WriteByteString(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        int max = System.Text.Encoding.UTF8.GetMaxByteCount(text.Length);
        byte[]? rented = null;
        Span<byte> buffer = max <= 256 ? stackalloc byte[256] : (rented = ArrayPool<byte>.Shared.Rent(max));
        int n = System.Text.Encoding.UTF8.GetBytes(text, buffer);
        WriteByteString(buffer[..n]);
        if (rented is not null)
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>Writes a dictionary key; it must sort after the previous key of the same dictionary.</summary>
    public void WriteKey(scoped ReadOnlySpan<byte> key)
    {
        if (_depth == 0 || !IsDictionary(_depth))
        {
            throw new InvalidOperationException("A key can only be written inside a dictionary.");
        }

        if (!_expectKey)
        {
            throw new InvalidOperationException("The previous key has no value yet.");
        }

        ref long previous = ref _previousKeys[_depth - 1];
        if (previous >= 0)
        {
            int order = key.SequenceCompareTo(StoredKey(previous));
            if (order <= 0)
            {
                throw new InvalidOperationException(order == 0
                    ? $"Duplicate dictionary key '{Describe(key)}'."
                    : $"Dictionary key '{Describe(key)}' is out of order: keys must be written in ascending byte order.");
            }
        }

        long keyStart = WriteStringToken(key);
        if (_output is null)
        {
            previous = (keyStart << 32) | (uint)key.Length;
        }
        else
        {
            // The new key replaces the previous one of this dictionary, on top of the scratch stack.
            int scratchStart = ScratchBase(previous);
            Span<byte> scratch = ScratchFor(scratchStart + key.Length);
            key.CopyTo(scratch[scratchStart..]);
            previous = ((long)scratchStart << 32) | (uint)key.Length;
            _scratchTop = scratchStart + key.Length;
        }

        _expectKey = false;
    }

    public void WriteStartList() => StartContainer(dictionary: false);

    public void WriteStartDictionary() => StartContainer(dictionary: true);

    /// <summary>Closes the innermost list or dictionary.</summary>
    public void WriteEnd()
    {
        if (_depth == 0)
        {
            throw new InvalidOperationException("There is no open list or dictionary to end.");
        }

        if (IsDictionary(_depth) && !_expectKey)
        {
            throw new InvalidOperationException("The last key of the dictionary has no value.");
        }

        Reserve(1)[0] = (byte)'e';
        Commit(1);
        if (_output is not null && IsDictionary(_depth))
        {
            // Pop this dictionary's key; the enclosing dictionary's key is on top again.
            _scratchTop = ScratchBase(_previousKeys[_depth - 1]);
        }

        _depth--;
        AfterValue();
    }

    /// <summary>
    /// Writes a value that is already bencoded (for example a BEP 44 <c>v</c> kept as received).
    /// It is checked to be one complete canonical value, so the output stays canonical; input that
    /// is not throws <see cref="BencodeException"/>.
    /// </summary>
    public void WriteEncodedValue(scoped ReadOnlySpan<byte> encoded)
    {
        BeforeValue();

        // The value must also fit the depth that is left, so the whole output can be read back.
        int depthLeft = BencodeReaderOptions.DepthCeiling - _depth;
        if (depthLeft == 0 && encoded.Length > 0 && encoded[0] is (byte)'l' or (byte)'d')
        {
            throw new BencodeException($"nesting deeper than {BencodeReaderOptions.DepthCeiling}", 0);
        }

        var reader = new BencodeReader(encoded, new BencodeReaderOptions
        {
            MaxDepth = Math.Max(depthLeft, 1),
            MaxElements = int.MaxValue,
        });
        reader.ReadEncodedValue();

        encoded.CopyTo(Reserve(encoded.Length));
        Commit(encoded.Length);
        AfterValue();
    }

    /// <summary>Size of the bencoded form of a byte string of the given length.</summary>
    public static int ByteStringSize(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        return DigitCount((uint)length) + 1 + length;
    }

    /// <summary>Size of the bencoded form of an integer.</summary>
    public static int IntegerSize(long value) =>
        value < 0 ? 3 + DigitCount((ulong)-(value + 1) + 1) : 2 + DigitCount((ulong)value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int DigitCount(ulong value)
    {
        // Byte string lengths are nearly always below 1000: answer those without a loop.
        if (value < 10)
        {
            return 1;
        }

        if (value < 100)
        {
            return 2;
        }

        if (value < 1000)
        {
            return 3;
        }

        int n = 4;
        for (value /= 10_000; value != 0; value /= 10)
        {
            n++;
        }

        return n;
    }

    /// <summary>Writes the decimal digits of <paramref name="value"/> to fill <paramref name="destination"/> exactly.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void WriteDigits(Span<byte> destination, ulong value)
    {
        for (int i = destination.Length - 1; i >= 0; i--)
        {
            ulong quotient = value / 10;
            destination[i] = (byte)('0' + (value - (quotient * 10)));
            value = quotient;
        }
    }

    private void StartContainer(bool dictionary)
    {
        BeforeValue();
        if (_depth >= BencodeReaderOptions.DepthCeiling)
        {
            throw new InvalidOperationException($"Nesting deeper than {BencodeReaderOptions.DepthCeiling} cannot be read back.");
        }

        Reserve(1)[0] = dictionary ? (byte)'d' : (byte)'l';
        Commit(1);
        _depth++;
        ulong bit = 1UL << (_depth - 1);
        if (dictionary)
        {
            _dictionaryDepths |= bit;
            _previousKeys[_depth - 1] = _output is null ? -1 : ~(long)_scratchTop;
        }
        else
        {
            _dictionaryDepths &= ~bit;
        }

        _expectKey = dictionary;
    }

    /// <summary>Writes "len:bytes" and returns the offset of the bytes (span mode).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private long WriteStringToken(scoped ReadOnlySpan<byte> value)
    {
        int digits = DigitCount((uint)value.Length);
        int size = digits + 1 + value.Length;
        Span<byte> span = Reserve(size);
        WriteDigits(span[..digits], (uint)value.Length);
        span[digits] = (byte)':';
        value.CopyTo(span[(digits + 1)..]);
        long start = _written + digits + 1;
        Commit(size);
        return start;
    }

    /// <summary>
    /// A value may be written unless the root is complete or a dictionary awaits a key.
    /// (_expectKey is only ever true while the innermost container is a dictionary.)
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private readonly void BeforeValue()
    {
        if (_rootDone | _expectKey)
        {
            ThrowCannotWriteValue();
        }
    }

    [DoesNotReturn]
    private readonly void ThrowCannotWriteValue() => throw new InvalidOperationException(_rootDone
        ? "The root value is complete; a bencoded message has exactly one."
        : "Inside a dictionary a key must be written before each value.");

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void AfterValue()
    {
        if (_depth == 0)
        {
            _rootDone = true;
            _expectKey = false;
        }
        else
        {
            _expectKey = IsDictionary(_depth);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private readonly Span<byte> Reserve(int size)
    {
        if (_output is not null)
        {
            return _output.GetSpan(size);
        }

        if ((uint)size > (uint)(_destination.Length - _written))
        {
            ThrowTooSmall(size);
        }

        return _destination[_written..];
    }

    [DoesNotReturn]
    private readonly void ThrowTooSmall(int size) => throw new InvalidOperationException(
        $"The destination span of {_destination.Length} bytes is too small: {(long)_written + size} bytes are needed.");

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Commit(int size)
    {
        if (_output is not null)
        {
            _output.Advance(size);
        }
        else
        {
            _written += size;
        }

        _totalWritten += size;
    }

    [UnscopedRef]
    private readonly ReadOnlySpan<byte> StoredKey(long packed)
    {
        int start = (int)(packed >> 32);
        int length = (int)(packed & 0xFFFF_FFFF);
        if (_output is null)
        {
            return _destination.Slice(start, length);
        }

        ReadOnlySpan<byte> scratch = _largeKeyScratch ?? (ReadOnlySpan<byte>)_keyScratch;
        return scratch.Slice(start, length);
    }

    /// <summary>Scratch offset of a dictionary's keys, from its packed previous-key slot.</summary>
    private static int ScratchBase(long packed) => packed >= 0 ? (int)(packed >> 32) : (int)~packed;

    [UnscopedRef]
    private Span<byte> ScratchFor(int needed)
    {
        if (_largeKeyScratch is null && needed <= KeyScratchSize)
        {
            return _keyScratch;
        }

        if (_largeKeyScratch is null || _largeKeyScratch.Length < needed)
        {
            // Rare: keys longer than the inline scratch. Grow and keep what the open dictionaries hold.
            int current = _largeKeyScratch?.Length ?? KeyScratchSize;
            var grown = new byte[Math.Max(needed, current * 2)];
            ((ReadOnlySpan<byte>)(_largeKeyScratch ?? (Span<byte>)_keyScratch)).CopyTo(grown);
            _largeKeyScratch = grown;
        }

        return _largeKeyScratch;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private readonly bool IsDictionary(int depth) => (_dictionaryDepths & (1UL << (depth - 1))) != 0;

    private static string Describe(ReadOnlySpan<byte> key)
    {
        foreach (byte b in key)
        {
            if (b is < 0x20 or >= 0x7F)
            {
                return Convert.ToHexString(key);
            }
        }

        return System.Text.Encoding.ASCII.GetString(key);
    }

    [InlineArray(BencodeReaderOptions.DepthCeiling)]
    private struct KeyStack
    {
        private long _element0;
    }

    [InlineArray(KeyScratchSize)]
    private struct KeyScratch
    {
        private byte _element0;
    }
}
