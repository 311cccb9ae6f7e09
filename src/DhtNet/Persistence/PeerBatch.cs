using System.Buffers;
using System.Buffers.Binary;

namespace DhtNet.Persistence;

/// <summary>
/// Announced peers as the SQLite store keeps them (format 3): many to a row, packed. A busy node is
/// announced to thousands of times a second and a row costs SQLite some microseconds whatever it
/// holds (measured here: 3.7 us a peer as one row each, about what serving the announce costs),
/// while a peer packed into a row costs little more than its bytes. Each packed peer is
/// flags (1: seed, removed), infohash length (1), address length (1), expiry (8, little-endian
/// Unix milliseconds), infohash, address. Later peers of the same key win, row by row in rowid
/// order and in order within a row; a removed peer is a record with the removed flag, kept until
/// every record it can hide has expired.
/// </summary>
internal sealed class PeerBatch
{
    /// <summary>Most peers packed into one row (about 40 KB of IPv4 peers).</summary>
    public const int MaxPeers = 1024;

    /// <summary>Most bytes of an infohash or an address.</summary>
    public const int MaxFieldLength = byte.MaxValue;

    private const byte SeedFlag = 1;
    private const byte RemovedFlag = 2;
    private const int HeaderSize = 11;

    private readonly ArrayBufferWriter<byte> _buffer = new(MaxPeers * 40);

    public PeerBatch(string network) => Network = network;

    public string Network { get; }

    /// <summary>Peers packed since the last <see cref="Clear"/>.</summary>
    public int Count { get; private set; }

    /// <summary>The latest expiry packed since the last <see cref="Clear"/>: the row can go once it has passed.</summary>
    public long Expires { get; private set; } = long.MinValue;

    /// <summary>The latest expiry packed since the last <see cref="Reset"/>, in rows written since or not.</summary>
    public long Latest { get; private set; } = long.MinValue;

    /// <summary>The store's note of the latest expiry written before this write (see <see cref="Reset"/>).</summary>
    public long? RemovalFloor { get; set; }

    public ReadOnlySpan<byte> Packed => _buffer.WrittenSpan;

    /// <summary>Packs one peer (or its removal); true when the batch is full and should be written.</summary>
    public bool Add(ReadOnlySpan<byte> infoHash, ReadOnlySpan<byte> address, bool seed, bool removed, long expires)
    {
        Span<byte> record = _buffer.GetSpan(HeaderSize + infoHash.Length + address.Length);
        record[0] = (byte)((seed ? SeedFlag : 0) | (removed ? RemovedFlag : 0));
        record[1] = checked((byte)infoHash.Length);
        record[2] = checked((byte)address.Length);
        BinaryPrimitives.WriteInt64LittleEndian(record[3..], expires);
        infoHash.CopyTo(record[HeaderSize..]);
        address.CopyTo(record[(HeaderSize + infoHash.Length)..]);
        _buffer.Advance(HeaderSize + infoHash.Length + address.Length);
        Expires = Math.Max(Expires, expires);
        Latest = Math.Max(Latest, expires);
        return ++Count >= MaxPeers;
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
    /// Reads the peers packed in <paramref name="packed"/> into <paramref name="latest"/> (a removed
    /// peer as null), each replacing what an earlier one of its key left there. A record cut short
    /// ends the row: what it held before is read, nothing after.
    /// </summary>
    public static void Unpack(string network, ReadOnlySpan<byte> packed, Dictionary<StateKey, SavedPeer?> latest)
    {
        while (packed.Length >= HeaderSize)
        {
            int infoHashLength = packed[1];
            int addressLength = packed[2];
            if (packed.Length < HeaderSize + infoHashLength + addressLength)
            {
                return;
            }

            byte flags = packed[0];
            byte[] infoHash = packed.Slice(HeaderSize, infoHashLength).ToArray();
            byte[] address = packed.Slice(HeaderSize + infoHashLength, addressLength).ToArray();
            long expires = BinaryPrimitives.ReadInt64LittleEndian(packed[3..]);
            latest[new StateKey(StateKind.Peer, network, null, infoHash, address)] = (flags & RemovedFlag) != 0
                ? null
                : new SavedPeer(infoHash, address, (flags & SeedFlag) != 0, DateTimeOffset.FromUnixTimeMilliseconds(Math.Clamp(expires, MinMilliseconds, MaxMilliseconds)));
            packed = packed[(HeaderSize + infoHashLength + addressLength)..];
        }
    }

    private static long MinMilliseconds => DateTimeOffset.MinValue.ToUnixTimeMilliseconds();

    private static long MaxMilliseconds => DateTimeOffset.MaxValue.ToUnixTimeMilliseconds();
}
