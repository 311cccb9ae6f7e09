using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using DhtNet.Mainline.Bencode;

namespace DhtNet.Mainline.Krpc;

/// <summary>
/// One pass over an <c>a</c> or <c>r</c> dictionary that records where each known key's value
/// lies, so method decoders can pick and validate what they need without re-reading. Values stay
/// slices of the datagram; nothing is copied until a decoder asks. Validation failures return an
/// error text naming the argument (cached strings: no formatting per bad packet). Indexed from a
/// span (the serving fast path, which reads ids, flags and <c>want</c> only), the getters that hand
/// out memory slices are not available.
/// </summary>
internal ref struct KrpcFields
{
    internal const int FieldCount = (int)KrpcField.Samples + 1;

    private static readonly byte[][] Names =
    [
        "id"u8.ToArray(), "target"u8.ToArray(), "info_hash"u8.ToArray(), "port"u8.ToArray(),
        "token"u8.ToArray(), "implied_port"u8.ToArray(), "seed"u8.ToArray(), "scrape"u8.ToArray(),
        "noseed"u8.ToArray(), "want"u8.ToArray(), "seq"u8.ToArray(), "v"u8.ToArray(), "k"u8.ToArray(),
        "sig"u8.ToArray(), "salt"u8.ToArray(), "cas"u8.ToArray(), "nodes"u8.ToArray(),
        "nodes6"u8.ToArray(), "values"u8.ToArray(), "BFsd"u8.ToArray(), "BFpe"u8.ToArray(),
        "interval"u8.ToArray(), "num"u8.ToArray(), "samples"u8.ToArray(),
    ];

    private static readonly string[] Missing = Messages("missing argument '{0}'");
    private static readonly string[] NotString = Messages("argument '{0}' must be a byte string");
    private static readonly string[] NotInteger = Messages("argument '{0}' must be an integer");
    private static readonly string[] NotList = Messages("argument '{0}' must be a list");
    private static readonly string[] NotId = Messages("argument '{0}' must be 20 bytes");

    private readonly ReadOnlyMemory<byte> _body;
    private readonly ReadOnlySpan<byte> _span;
    private Entries _entries;

    private KrpcFields(ReadOnlyMemory<byte> body, ReadOnlySpan<byte> span)
    {
        _body = body;
        _span = span;
    }

    /// <summary>
    /// Indexes the dictionary <paramref name="body"/> (its exact encoded bytes). Returns false when
    /// it is not a dictionary or not valid bencode.
    /// </summary>
    public static bool TryParse(ReadOnlyMemory<byte> body, out KrpcFields fields)
    {
        fields = new KrpcFields(body, body.Span);
        return fields.Index();
    }

    /// <summary>
    /// Indexes <paramref name="body"/> without a memory to slice: only the getters that copy values
    /// out (ids, integers, flags, <c>want</c>) may be used. Returns false as the other overload does.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> body, out KrpcFields fields)
    {
        fields = new KrpcFields(default, body);
        return fields.Index();
    }

    private bool Index()
    {
        if (_span.IsEmpty)
        {
            return true; // no 'a': every argument is missing
        }

        try
        {
            var reader = new BencodeReader(_span, BencodeReaderOptions.Lax);
            if (!reader.Read() || reader.TokenType != BencodeTokenType.StartDictionary)
            {
                return false;
            }

            while (reader.Read() && reader.TokenType != BencodeTokenType.EndDictionary)
            {
                int index = Match(reader.ValueSpan);
                if (index < 0)
                {
                    reader.Skip();
                    continue;
                }

                if (!reader.Read())
                {
                    return false;
                }

                ref Entry entry = ref _entries[index];
                entry.Type = reader.TokenType;
                entry.TokenStart = reader.TokenStartIndex;
                if (reader.TokenType == BencodeTokenType.ByteString)
                {
                    entry.ValueLength = reader.ValueSpan.Length;
                    entry.ValueStart = reader.BytesConsumed - entry.ValueLength;
                }
                else if (reader.TokenType == BencodeTokenType.Integer)
                {
                    entry.Integer = reader.GetInt64();
                }
                else
                {
                    reader.Skip();
                }

                entry.TokenEnd = reader.BytesConsumed;
            }

            return true;
        }
        catch (BencodeException)
        {
            return false;
        }
    }

    public readonly bool Has(KrpcField field) => _entries[(int)field].Type != BencodeTokenType.None;

    /// <summary>A required 20-byte id.</summary>
    public readonly bool TryGetId(KrpcField field, out NodeId id, out string? error)
    {
        id = default;
        if (!TryGetSpan(field, required: true, out var bytes, out error))
        {
            return false;
        }

        if (bytes.Length != NodeId.Size)
        {
            error = NotId[(int)field];
            return false;
        }

        id = new NodeId(bytes);
        return true;
    }

    /// <summary>A byte string; absent optional ones come back empty.</summary>
    public readonly bool TryGetBytes(KrpcField field, bool required, out ReadOnlyMemory<byte> value, out string? error)
    {
        value = default;
        if (!TryGetSpan(field, required, out var span, out error))
        {
            return false;
        }

        if (!span.IsEmpty)
        {
            ref readonly Entry entry = ref _entries[(int)field];
            value = _body.Slice(entry.ValueStart, entry.ValueLength);
        }

        return true;
    }

    /// <summary>A byte string as a span of the body; absent optional ones come back empty.</summary>
    private readonly bool TryGetSpan(KrpcField field, bool required, out ReadOnlySpan<byte> value, out string? error)
    {
        value = default;
        error = null;
        ref readonly Entry entry = ref _entries[(int)field];
        if (entry.Type == BencodeTokenType.None)
        {
            if (required)
            {
                error = Missing[(int)field];
                return false;
            }

            return true;
        }

        if (entry.Type != BencodeTokenType.ByteString)
        {
            error = NotString[(int)field];
            return false;
        }

        value = _span.Slice(entry.ValueStart, entry.ValueLength);
        return true;
    }

    /// <summary>An optional byte string of exactly <paramref name="size"/> bytes (BEP 44 k and sig).</summary>
    public readonly bool TryGetFixed(KrpcField field, int size, out ReadOnlyMemory<byte> value, out string? error)
    {
        if (!TryGetBytes(field, required: false, out value, out error))
        {
            return false;
        }

        if (Has(field) && value.Length != size)
        {
            error = field == KrpcField.Key ? "argument 'k' must be 32 bytes" : "argument 'sig' must be 64 bytes";
            value = default;
            return false;
        }

        return true;
    }

    /// <summary>An integer; <paramref name="present"/> says whether the key was there.</summary>
    public readonly bool TryGetInteger(KrpcField field, bool required, out long value, out bool present, out string? error)
    {
        value = 0;
        error = null;
        ref readonly Entry entry = ref _entries[(int)field];
        present = entry.Type != BencodeTokenType.None;
        if (!present)
        {
            if (required)
            {
                error = Missing[(int)field];
                return false;
            }

            return true;
        }

        if (entry.Type != BencodeTokenType.Integer)
        {
            error = NotInteger[(int)field];
            return false;
        }

        value = entry.Integer;
        return true;
    }

    /// <summary>An optional 0/1 flag (implied_port, seed, scrape, noseed): any non-zero integer is true.</summary>
    public readonly bool TryGetFlag(KrpcField field, out bool value, out string? error)
    {
        bool ok = TryGetInteger(field, required: false, out long number, out _, out error);
        value = ok && number != 0;
        return ok;
    }

    /// <summary>An optional integer clamped to 0..int.MaxValue (BEP 51 interval and num).</summary>
    public readonly bool TryGetCount(KrpcField field, out int value, out string? error)
    {
        bool ok = TryGetInteger(field, required: false, out long number, out _, out error);
        value = (int)Math.Clamp(number, 0, int.MaxValue);
        return ok;
    }

    /// <summary>BEP 32 <c>want</c>: a list of strings; entries other than n4 / n6 are ignored.</summary>
    public readonly bool TryGetWant(out KrpcWant want, out string? error)
    {
        want = KrpcWant.None;
        error = null;
        ref readonly Entry entry = ref _entries[(int)KrpcField.Want];
        if (entry.Type == BencodeTokenType.None)
        {
            return true;
        }

        if (entry.Type != BencodeTokenType.StartList)
        {
            error = NotList[(int)KrpcField.Want];
            return false;
        }

        var reader = new BencodeReader(_span[entry.TokenStart..entry.TokenEnd], BencodeReaderOptions.Lax);
        reader.Read();
        while (reader.Read() && reader.TokenType != BencodeTokenType.EndList)
        {
            if (reader.TokenType == BencodeTokenType.ByteString)
            {
                if (reader.ValueSpan.SequenceEqual("n4"u8))
                {
                    want |= KrpcWant.N4;
                }
                else if (reader.ValueSpan.SequenceEqual("n6"u8))
                {
                    want |= KrpcWant.N6;
                }
            }
            else
            {
                reader.Skip();
            }
        }

        return true;
    }

    /// <summary>Compact nodes of one family: every whole entry, a trailing partial one ignored.</summary>
    public readonly bool TryGetNodes(KrpcField field, out NodeInfo[] nodes, out ReadOnlyMemory<byte> raw, out string? error)
    {
        nodes = [];
        if (!TryGetBytes(field, required: false, out raw, out error))
        {
            return false;
        }

        var family = field == KrpcField.Nodes6 ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork;
        nodes = CompactEncoding.ReadNodes(raw.Span, family);
        return true;
    }

    /// <summary>get_peers <c>values</c>: compact peers of 6 or 18 bytes; other entries are skipped.</summary>
    public readonly bool TryGetValues(out IPEndPoint[] values, out string? error)
    {
        values = [];
        error = null;
        ref readonly Entry entry = ref _entries[(int)KrpcField.Values];
        if (entry.Type == BencodeTokenType.None)
        {
            return true;
        }

        if (entry.Type != BencodeTokenType.StartList)
        {
            error = NotList[(int)KrpcField.Values];
            return false;
        }

        var span = _span[entry.TokenStart..entry.TokenEnd];
        int count = 0;
        var reader = new BencodeReader(span, BencodeReaderOptions.Lax);
        reader.Read();
        while (reader.Read() && reader.TokenType != BencodeTokenType.EndList)
        {
            if (reader.TokenType == BencodeTokenType.ByteString)
            {
                count += IsPeer(reader.ValueSpan.Length) ? 1 : 0;
            }
            else
            {
                reader.Skip();
            }
        }

        if (count == 0)
        {
            return true;
        }

        values = new IPEndPoint[count];
        int i = 0;
        reader = new BencodeReader(span, BencodeReaderOptions.Lax);
        reader.Read();
        while (reader.Read() && reader.TokenType != BencodeTokenType.EndList)
        {
            if (reader.TokenType == BencodeTokenType.ByteString)
            {
                if (IsPeer(reader.ValueSpan.Length))
                {
                    values[i++] = CompactEncoding.ReadPeer(reader.ValueSpan);
                }
            }
            else
            {
                reader.Skip();
            }
        }

        return true;
    }

    /// <summary>The exact encoded bytes of any value (BEP 44 <c>v</c>); empty when absent.</summary>
    public readonly ReadOnlyMemory<byte> GetEncoded(KrpcField field)
    {
        ref readonly Entry entry = ref _entries[(int)field];
        return entry.Type == BencodeTokenType.None ? default : _body[entry.TokenStart..entry.TokenEnd];
    }

    private static bool IsPeer(int length) => length is CompactEncoding.PeerSizeV4 or CompactEncoding.PeerSizeV6;

    private static int Match(ReadOnlySpan<byte> key)
    {
        for (int i = 0; i < Names.Length; i++)
        {
            if (key.SequenceEqual(Names[i]))
            {
                return i;
            }
        }

        return -1;
    }

    private static string[] Messages(string format)
    {
        var messages = new string[FieldCount];
        for (int i = 0; i < FieldCount; i++)
        {
            messages[i] = string.Format(System.Globalization.CultureInfo.InvariantCulture, format, System.Text.Encoding.ASCII.GetString(Names[i]));
        }

        return messages;
    }

    private struct Entry
    {
        public BencodeTokenType Type;
        public int TokenStart;
        public int TokenEnd;
        public int ValueStart;
        public int ValueLength;
        public long Integer;
    }

    [InlineArray(FieldCount)]
    private struct Entries
    {
        private Entry _element0;
    }
}
