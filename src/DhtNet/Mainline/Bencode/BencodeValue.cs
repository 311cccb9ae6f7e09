using System.Buffers;
using System.Text;

namespace DhtNet.Mainline.Bencode;

/// <summary>
/// An in-memory bencode value for code off the hot path (BEP 44 item values, the CLI, tests).
/// Dictionaries keep their keys sorted, so writing a value always gives canonical bencode.
/// Values are immutable and compare structurally.
/// </summary>
public abstract class BencodeValue : IEquatable<BencodeValue>
{
    private protected BencodeValue()
    {
    }

    /// <summary>Parses exactly one value; throws <see cref="BencodeException"/> on malformed input.</summary>
    public static BencodeValue Parse(ReadOnlySpan<byte> data, BencodeReaderOptions options = default)
    {
        var reader = new BencodeReader(data, options);
        if (!reader.Read())
        {
            throw new BencodeException("empty input", 0);
        }

        return ReadCurrent(ref reader);
    }

    /// <summary>Reads the value the reader is positioned on (its first token already read).</summary>
    public static BencodeValue ReadCurrent(ref BencodeReader reader)
    {
        switch (reader.TokenType)
        {
            case BencodeTokenType.Integer:
                return new BencodeInteger(reader.GetInt64());
            case BencodeTokenType.ByteString:
                return new BencodeString(reader.ValueSpan.ToArray());
            case BencodeTokenType.StartList:
                {
                    var items = new List<BencodeValue>();
                    while (reader.Read() && reader.TokenType != BencodeTokenType.EndList)
                    {
                        items.Add(ReadCurrent(ref reader));
                    }

                    return new BencodeList(items);
                }

            case BencodeTokenType.StartDictionary:
                {
                    var entries = new List<KeyValuePair<byte[], BencodeValue>>();
                    while (reader.Read() && reader.TokenType != BencodeTokenType.EndDictionary)
                    {
                        byte[] key = reader.ValueSpan.ToArray();
                        reader.Read();
                        entries.Add(new(key, ReadCurrent(ref reader)));
                    }

                    return new BencodeDictionary(entries);
                }

            default:
                throw new BencodeException($"expected a value, found {reader.TokenType}", reader.TokenStartIndex);
        }
    }

    /// <summary>Writes this value with <paramref name="writer"/>.</summary>
    public abstract void WriteTo(ref BencodeWriter writer);

    /// <summary>The canonical bencoded bytes of this value.</summary>
    public byte[] Encode()
    {
        var buffer = new ArrayBufferWriter<byte>();
        var writer = new BencodeWriter(buffer);
        WriteTo(ref writer);
        return buffer.WrittenSpan.ToArray();
    }

    public abstract bool Equals(BencodeValue? other);

    public override bool Equals(object? obj) => Equals(obj as BencodeValue);

    public abstract override int GetHashCode();

    /// <summary>A readable rendering: strings as text when printable, otherwise hex.</summary>
    public abstract override string ToString();
}

/// <summary>A bencode integer.</summary>
public sealed class BencodeInteger(long value) : BencodeValue
{
    public long Value { get; } = value;

    public override void WriteTo(ref BencodeWriter writer) => writer.WriteInteger(Value);

    public override bool Equals(BencodeValue? other) => other is BencodeInteger i && i.Value == Value;

    public override int GetHashCode() => Value.GetHashCode();

    public override string ToString() => Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>A bencode byte string.</summary>
public sealed class BencodeString : BencodeValue
{
    private readonly byte[] _bytes;

    public BencodeString(ReadOnlySpan<byte> bytes) => _bytes = bytes.ToArray();

    public BencodeString(string text) => _bytes = Encoding.UTF8.GetBytes(text ?? throw new ArgumentNullException(nameof(text)));

    public ReadOnlyMemory<byte> Bytes => _bytes;

    public override void WriteTo(ref BencodeWriter writer) => writer.WriteByteString(_bytes);

    public override bool Equals(BencodeValue? other) => other is BencodeString s && s._bytes.AsSpan().SequenceEqual(_bytes);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.AddBytes(_bytes);
        return hash.ToHashCode();
    }

    /// <summary>The bytes as UTF-8 text, or null when they are not valid UTF-8.</summary>
    public string? TryGetText()
    {
        try
        {
            return new UTF8Encoding(false, true).GetString(_bytes);
        }
        catch (DecoderFallbackException)
        {
            return null;
        }
    }

    public override string ToString()
    {
        string? text = TryGetText();
        return text is not null && !text.Any(char.IsControl) ? $"\"{text}\"" : $"0x{Convert.ToHexString(_bytes)}";
    }
}

/// <summary>A bencode list.</summary>
public sealed class BencodeList(IEnumerable<BencodeValue> items) : BencodeValue
{
    public IReadOnlyList<BencodeValue> Items { get; } = Validate(items.ToArray());

    private static BencodeValue[] Validate(BencodeValue[] items) =>
        Array.IndexOf(items, null) < 0 ? items : throw new ArgumentException("A list item is null.", nameof(items));

    public override void WriteTo(ref BencodeWriter writer)
    {
        writer.WriteStartList();
        foreach (var item in Items)
        {
            item.WriteTo(ref writer);
        }

        writer.WriteEnd();
    }

    public override bool Equals(BencodeValue? other) => other is BencodeList l && l.Items.SequenceEqual(Items);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (var item in Items)
        {
            hash.Add(item);
        }

        return hash.ToHashCode();
    }

    public override string ToString() => $"[{string.Join(", ", Items)}]";
}

/// <summary>A bencode dictionary; keys are kept in ascending byte order, the last of a repeated key wins.</summary>
public sealed class BencodeDictionary : BencodeValue
{
    private readonly KeyValuePair<byte[], BencodeValue>[] _entries;

    public BencodeDictionary(IEnumerable<KeyValuePair<byte[], BencodeValue>> entries)
    {
        var sorted = new SortedDictionary<byte[], BencodeValue>(ByteKeyComparer.Instance);
        foreach (var (key, value) in entries)
        {
            sorted[key.ToArray()] = value ?? throw new ArgumentException("A dictionary value is null.", nameof(entries));
        }

        _entries = sorted.ToArray();
    }

    public IReadOnlyList<KeyValuePair<byte[], BencodeValue>> Entries => _entries;

    /// <summary>The value for a key, or null.</summary>
    public BencodeValue? this[string key]
    {
        get
        {
            byte[] k = Encoding.UTF8.GetBytes(key);
            foreach (var entry in _entries)
            {
                if (entry.Key.AsSpan().SequenceEqual(k))
                {
                    return entry.Value;
                }
            }

            return null;
        }
    }

    public override void WriteTo(ref BencodeWriter writer)
    {
        writer.WriteStartDictionary();
        foreach (var (key, value) in _entries)
        {
            writer.WriteKey(key);
            value.WriteTo(ref writer);
        }

        writer.WriteEnd();
    }

    public override bool Equals(BencodeValue? other) =>
        other is BencodeDictionary d && d._entries.Length == _entries.Length &&
        d._entries.Zip(_entries).All(p => p.First.Key.AsSpan().SequenceEqual(p.Second.Key) && p.First.Value.Equals(p.Second.Value));

    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (var (key, value) in _entries)
        {
            hash.AddBytes(key);
            hash.Add(value);
        }

        return hash.ToHashCode();
    }

    public override string ToString() =>
        "{" + string.Join(", ", _entries.Select(e => $"{new BencodeString(e.Key)}: {e.Value}")) + "}";

    private sealed class ByteKeyComparer : IComparer<byte[]>
    {
        public static readonly ByteKeyComparer Instance = new();

        public int Compare(byte[]? x, byte[]? y) => x.AsSpan().SequenceCompareTo(y);
    }
}
