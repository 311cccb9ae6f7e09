using System.Buffers;
using System.Buffers.Binary;

namespace DhtNet.Persistence;

/// <summary>
/// Announced peers and BEP 44 items as the SQLite store keeps them (format 4): many to a row,
/// packed. A busy node is announced to and put to thousands of times a second and a row costs
/// SQLite some microseconds whatever it holds (measured here: 3.7 us a peer as one row each, about
/// what serving the announce costs; 5.4 us a put), while an entry packed into a row costs little
/// more than its bytes. Each packed entry is flags (1: seed, removed), key length (1), value length
/// (1 for a peer, 2 little-endian for an item), expiry (8, little-endian Unix milliseconds), key,
/// value. A peer's key is its infohash and its value its address (both name the peer); an item's
/// key is its target and its value the item (empty in a removal). Format 3's peer rows have this
/// very layout. Later entries of the same key win, row by row in rowid order and in order within a
/// row; a removal is an entry with the removed flag, kept until every entry it can hide has expired.
/// </summary>
internal sealed class EntryBatch
{
    /// <summary>Most entries packed into one row (about 40 KB of IPv4 peers).</summary>
    public const int MaxEntries = 1024;

    /// <summary>Most bytes of a key (an infohash or a target).</summary>
    public const int MaxKeyLength = byte.MaxValue;

    // A row is written once it holds this much, so rows of large items stay some tens of pages.
    private const int MaxBytes = 64 * 1024;
    private const byte SeedFlag = 1;
    private const byte RemovedFlag = 2;

    private readonly ArrayBufferWriter<byte> _buffer = new(MaxEntries * 40);
    private readonly int _valueLengthSize;

    public EntryBatch(string network, StateKind kind)
    {
        Network = network;
        Kind = kind;
        _valueLengthSize = ValueLengthSize(kind);
    }

    /// <summary>Reads one packed entry; <paramref name="value"/> is empty for a removed item.</summary>
    public delegate void Reader(bool seed, bool removed, long expires, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value);

    public string Network { get; }

    public StateKind Kind { get; }

    /// <summary>Entries packed since the last <see cref="Clear"/>.</summary>
    public int Count { get; private set; }

    /// <summary>The latest expiry packed since the last <see cref="Clear"/>: the row can go once it has passed.</summary>
    public long Expires { get; private set; } = long.MinValue;

    /// <summary>The latest expiry packed since the last <see cref="Reset"/>, in rows written since or not.</summary>
    public long Latest { get; private set; } = long.MinValue;

    /// <summary>The store's note of the latest expiry written before this write (see <see cref="Reset"/>).</summary>
    public long? RemovalFloor { get; set; }

    public ReadOnlySpan<byte> Packed => _buffer.WrittenSpan;

    /// <summary>Most bytes of a value of <paramref name="kind"/>: a peer's address or an encoded item.</summary>
    public static int MaxValueLength(StateKind kind) => ValueLengthSize(kind) == 1 ? byte.MaxValue : ushort.MaxValue;

    /// <summary>Packs one entry (or its removal); true when the batch is full and should be written.</summary>
    public bool Add(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, bool seed, bool removed, long expires)
    {
        int header = HeaderSize(_valueLengthSize);
        int size = header + key.Length + value.Length;
        Span<byte> entry = _buffer.GetSpan(size);
        entry[0] = (byte)((seed ? SeedFlag : 0) | (removed ? RemovedFlag : 0));
        entry[1] = checked((byte)key.Length);
        if (_valueLengthSize == 1)
        {
            entry[2] = checked((byte)value.Length);
        }
        else
        {
            BinaryPrimitives.WriteUInt16LittleEndian(entry[2..], checked((ushort)value.Length));
        }

        BinaryPrimitives.WriteInt64LittleEndian(entry[(2 + _valueLengthSize)..], expires);
        key.CopyTo(entry[header..]);
        value.CopyTo(entry[(header + key.Length)..]);
        _buffer.Advance(size);
        Expires = Math.Max(Expires, expires);
        Latest = Math.Max(Latest, expires);
        return ++Count >= MaxEntries || _buffer.WrittenCount >= MaxBytes;
    }

    /// <summary>Empties the batch once its row is written.</summary>
    public void Clear()
    {
        _buffer.ResetWrittenCount();
        Count = 0;
        Expires = long.MinValue;
    }

    /// <summary>Empties the batch and forgets what this write packed, at the end of a write.</summary>
    public void Reset()
    {
        Clear();
        Latest = long.MinValue;
        RemovalFloor = null;
    }

    /// <summary>
    /// Reads the entries of <paramref name="kind"/> packed in <paramref name="packed"/>, in order.
    /// An entry cut short ends the row: what it held before is read, nothing after.
    /// </summary>
    public static void Unpack(StateKind kind, ReadOnlySpan<byte> packed, Reader read)
    {
        int lengthSize = ValueLengthSize(kind);
        int header = HeaderSize(lengthSize);
        while (packed.Length >= header)
        {
            int keyLength = packed[1];
            int valueLength = lengthSize == 1 ? packed[2] : BinaryPrimitives.ReadUInt16LittleEndian(packed[2..]);
            if (packed.Length < header + keyLength + valueLength)
            {
                return;
            }

            byte flags = packed[0];
            read(
                (flags & SeedFlag) != 0,
                (flags & RemovedFlag) != 0,
                BinaryPrimitives.ReadInt64LittleEndian(packed[(2 + lengthSize)..]),
                packed.Slice(header, keyLength),
                packed.Slice(header + keyLength, valueLength));
            packed = packed[(header + keyLength + valueLength)..];
        }
    }

    /// <summary>Unix milliseconds as read from a row, clamped to what a <see cref="DateTimeOffset"/> holds.</summary>
    public static DateTimeOffset Time(long milliseconds) =>
        DateTimeOffset.FromUnixTimeMilliseconds(Math.Clamp(milliseconds, MinMilliseconds, MaxMilliseconds));

    // Peers (format 3's layout) have one-byte value lengths; items, up to a kilobyte and more, two.
    private static int ValueLengthSize(StateKind kind) => kind switch
    {
        StateKind.Peer => 1,
        StateKind.Item => 2,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Only peers and items are packed."),
    };

    private static int HeaderSize(int valueLengthSize) => 2 + valueLengthSize + 8;

    private static long MinMilliseconds => DateTimeOffset.MinValue.ToUnixTimeMilliseconds();

    private static long MaxMilliseconds => DateTimeOffset.MaxValue.ToUnixTimeMilliseconds();
}
