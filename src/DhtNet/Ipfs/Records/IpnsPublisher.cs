using System.Buffers.Binary;
using DhtNet.Ipfs.Providers;
using DhtNet.LibP2p;
using DhtNet.LibP2p.Crypto;

namespace DhtNet.Ipfs.Records;

/// <summary>
/// The IPNS names a node publishes and keeps alive: each record is signed anew with a validity of
/// <see cref="Validity"/> and put again every <see cref="RepublishInterval"/> (kubo's republisher
/// does the same: 4 h and 48 h), with the same sequence while the value is unchanged, so it never
/// runs out on the peers that hold it. The signing keys are held here; a name restored from a state
/// store is republished once its key is back (<see cref="AddKey"/>: the node's own identity key, or
/// the key the node saved when the name was published). Bounded by a cap on names; thread-safe.
/// </summary>
internal sealed class IpnsPublisher
{
    /// <summary>Most names one node keeps publishing unless told otherwise (<see cref="IpfsDhtNodeOptions.MaxPublishedNames"/>).</summary>
    public const int DefaultMaxNames = 1_024;

    /// <summary>How often a record is signed and put again (kubo: 4 h).</summary>
    public static readonly TimeSpan RepublishInterval = TimeSpan.FromHours(4);

    /// <summary>How long each record stays valid (kubo: 48 h): republishing every 4 h leaves 44 h of slack.</summary>
    public static readonly TimeSpan Validity = TimeSpan.FromHours(48);

    /// <summary>The TTL a record asks resolvers to cache it for (kubo's default: 1 h).</summary>
    public static readonly TimeSpan Ttl = TimeSpan.FromHours(1);

    private const int SequenceSize = 8;

    private readonly TimeProvider _time;
    private readonly int _maxNames;
    private readonly Lock _lock = new();
    private readonly Dictionary<PeerId, Name> _names = [];
    private readonly Dictionary<PeerId, PrivateKey> _keys = [];

    public IpnsPublisher(TimeProvider time, PrivateKey? identity, int maxNames = DefaultMaxNames)
    {
        _time = time;
        _maxNames = maxNames;

        // The schedule needs room for one; the cap on names is checked here first.
        Schedule = new ReprovideSchedule(time, RepublishInterval, Math.Max(1, maxNames));
        if (identity is not null)
        {
            _keys[identity.PeerId] = identity;
        }
    }

    /// <summary>When each name is next due; keyed by the name's peer id bytes.</summary>
    public ReprovideSchedule Schedule { get; }

    /// <summary>The names kept alive.</summary>
    public IReadOnlyList<PeerId> Names
    {
        get
        {
            lock (_lock)
            {
                return [.. _names.Keys];
            }
        }
    }

    /// <summary>
    /// Signs a record of <paramref name="value"/> under <paramref name="key"/>'s name: the same sequence as
    /// <paramref name="current"/> (the best record known now, if any) when its value is the same, else one past it.
    /// The name is kept alive from now on. Throws <see cref="InvalidOperationException"/> past the cap (<see cref="CheckRoom"/>).
    /// </summary>
    public byte[] Publish(PrivateKey key, ReadOnlySpan<byte> value, IpnsRecord? current)
    {
        var name = key.PeerId;
        ulong sequence = current is null ? 0 : current.Value.Span.SequenceEqual(value) ? current.Sequence : current.Sequence + 1;
        var entry = new Name(value.ToArray(), sequence);
        lock (_lock)
        {
            CheckRoomHoldingLock(name);
            _keys[name] = key;
            _names[name] = entry;
        }

        // Outside the lock: the schedule tells the state store, which asks for the payload.
        Schedule.Add(name.Bytes.Span);

        return Sign(key, entry);
    }

    /// <summary>Throws <see cref="InvalidOperationException"/> when <paramref name="name"/> is not kept alive and the cap is reached.</summary>
    public void CheckRoom(PeerId name)
    {
        lock (_lock)
        {
            CheckRoomHoldingLock(name);
        }
    }

    /// <summary>True when the key that signs <paramref name="name"/> is held.</summary>
    public bool HasKey(PeerId name)
    {
        lock (_lock)
        {
            return _keys.ContainsKey(name);
        }
    }

    /// <summary>Holds <paramref name="key"/> from now on: a restored name it signs is republished when due.</summary>
    public void AddKey(PrivateKey key)
    {
        lock (_lock)
        {
            _keys[key.PeerId] = key;
        }
    }

    /// <summary>Stops republishing <paramref name="name"/>; its records expire on their own.</summary>
    public bool Remove(PeerId name)
    {
        bool removed;
        lock (_lock)
        {
            removed = _names.Remove(name);
        }

        Schedule.Remove(name.Bytes.Span);
        return removed;
    }

    /// <summary>The names due now, each with its record signed afresh; names whose key is not known wait another round.</summary>
    public IReadOnlyList<(PeerId Name, byte[] Record)> TakeDue(int max)
    {
        var due = new List<(PeerId, byte[])>();
        foreach (var bytes in Schedule.TakeDue(max))
        {
            var name = PeerId.FromBytes(bytes.Span);
            Name? entry;
            PrivateKey? key;
            lock (_lock)
            {
                _names.TryGetValue(name, out entry);
                _keys.TryGetValue(name, out key);
            }

            if (entry is not null && key is not null)
            {
                due.Add((name, Sign(key, entry)));
            }
        }

        return due;
    }

    /// <summary>The publication payload of <paramref name="name"/> (its sequence, then its value), or null when it is not published.</summary>
    public byte[]? Payload(ReadOnlySpan<byte> name)
    {
        if (!PeerId.TryFromBytes(name, out var id))
        {
            return null;
        }

        lock (_lock)
        {
            if (!_names.TryGetValue(id, out var entry))
            {
                return null;
            }

            byte[] payload = new byte[SequenceSize + entry.Value.Length];
            BinaryPrimitives.WriteUInt64BigEndian(payload, entry.Sequence);
            entry.Value.CopyTo(payload, SequenceSize);
            return payload;
        }
    }

    /// <summary>Puts back a saved name due at <paramref name="due"/>; false when the saved bytes are not one this type wrote.</summary>
    public bool Restore(ReadOnlySpan<byte> name, ReadOnlySpan<byte> payload, DateTimeOffset due)
    {
        if (!PeerId.TryFromBytes(name, out var id) || payload.Length < SequenceSize || payload.Length - SequenceSize > IpnsRecord.MaxSize)
        {
            return false;
        }

        lock (_lock)
        {
            if (!_names.ContainsKey(id) && _names.Count >= _maxNames)
            {
                return false;
            }

            _names[id] = new Name(payload[SequenceSize..].ToArray(), BinaryPrimitives.ReadUInt64BigEndian(payload));
        }

        return Schedule.Restore(name, due);
    }

    private void CheckRoomHoldingLock(PeerId name)
    {
        if (!_names.ContainsKey(name) && _names.Count >= _maxNames)
        {
            throw new InvalidOperationException(
                $"This node already keeps {_maxNames} IPNS names alive, its cap (IpfsDhtNodeOptions.MaxPublishedNames); stop one with StopPublishing first.");
        }
    }

    private byte[] Sign(PrivateKey key, Name entry) =>
        IpnsRecord.Create(key, entry.Value, entry.Sequence, _time.GetUtcNow() + Validity, Ttl);

    private sealed record Name(byte[] Value, ulong Sequence);
}
