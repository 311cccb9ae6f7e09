using System.Buffers.Binary;
using DhtNet.Internal;
using DhtNet.Mainline.Bep44;
using DhtNet.Persistence;
using Microsoft.Extensions.Logging;

namespace DhtNet.Mainline;

/// <summary>
/// What a node keeps alive on the DHT: the infohashes it keeps announcing (<see cref="DhtNode.StartProviding"/>),
/// each again every <see cref="ReannounceInterval"/>, well inside the 30 minutes for which other nodes keep an
/// announced peer (BEP 5), and the BEP 44 items it keeps putting (<see cref="DhtNode.StartPutting(ReadOnlyMemory{byte})"/>),
/// each again every <see cref="KeptItem.PutInterval"/>, inside the two hours nodes keep an item. Each is done at
/// once and sooner again after a round that reached no node. With a state store each one is saved with the
/// time it is next due, so a restarted node goes on where it stopped. One round runs at a time, a few at once.
/// </summary>
internal sealed class KeepProviding : IDisposable
{
    /// <summary>Most infohashes one node keeps announcing.</summary>
    public const int MaxProvided = 10_000;

    /// <summary>Half of the peer lifetime other nodes apply, so one lost announce never lets us expire.</summary>
    public static readonly TimeSpan ReannounceInterval = TimeSpan.FromMinutes(15);

    /// <summary>How soon an announce that reached no node is tried again.</summary>
    public static readonly TimeSpan RetryInterval = TimeSpan.FromMinutes(1);

    private const int AnnouncesAtOnce = 4;

    private readonly DhtNode _node;
    private readonly TimeProvider _time;
    private readonly MainlineState? _state;
    private readonly ILogger _logger;
    private readonly CancellationToken _shutdown;
    private readonly int _maxItems;
    private readonly Lock _lock = new();
    private readonly Dictionary<(string Kind, NodeId Key), KeptPublication> _entries = [];
    private ITimer? _timer;
    private int _running;

    public KeepProviding(DhtNode node, TimeProvider time, MainlineState? state, int maxItems, ILogger logger, CancellationToken shutdown)
    {
        _node = node;
        _maxItems = maxItems;
        _time = time;
        _state = state;
        _logger = logger;
        _shutdown = shutdown;
    }

    public IReadOnlyList<NodeId> InfoHashes => Keys(MainlineState.AnnounceKind);

    public IReadOnlyList<NodeId> ItemTargets => Keys(KeptItem.PublicationKind);

    /// <summary>Adds (or changes) an infohash to keep announcing; it is due at once.</summary>
    public void Add(NodeId infoHash, int? port, bool seed) => Add(new KeptAnnounce(infoHash, port, seed));

    /// <summary>
    /// Adds (or replaces) something to keep alive, due at once, or one interval from now when it was just done
    /// (<paramref name="justDone"/>). Throws <see cref="InvalidOperationException"/> past the cap of its kind.
    /// </summary>
    public void Add(KeptPublication publication, bool justDone = false)
    {
        var now = _time.GetUtcNow();
        var entry = publication with { NextDue = justDone ? now + publication.Interval : now };
        lock (_lock)
        {
            CheckRoomHoldingLock(entry.Kind, entry.Key);
            _entries[entry.Id] = entry;
        }

        _state?.RecordPublication(entry.ToPublication());
        Kick();
    }

    /// <summary>Throws <see cref="InvalidOperationException"/> when <paramref name="key"/> is not kept and its kind is at its cap.</summary>
    public void CheckRoom(string kind, NodeId key)
    {
        lock (_lock)
        {
            CheckRoomHoldingLock(kind, key);
        }
    }

    /// <summary>What is kept of <paramref name="kind"/> at <paramref name="key"/>, or null.</summary>
    public KeptPublication? Find(string kind, NodeId key)
    {
        lock (_lock)
        {
            return _entries.GetValueOrDefault((kind, key));
        }
    }

    public bool Remove(string kind, NodeId key)
    {
        bool removed;
        lock (_lock)
        {
            removed = _entries.Remove((kind, key));
        }

        if (removed)
        {
            _state?.RemovePublication(kind, key.ToArray());
        }

        return removed;
    }

    /// <summary>
    /// Takes back the saved publications this type can read; returns how many. Announces stay on their
    /// schedule; items are put again in the first round, since the nodes closest to them may have changed
    /// while we were away.
    /// </summary>
    public int Restore(IReadOnlyList<SavedPublication> publications)
    {
        int restored = 0;
        var now = _time.GetUtcNow();
        lock (_lock)
        {
            foreach (var publication in publications)
            {
                KeptPublication? entry = publication.Kind switch
                {
                    MainlineState.AnnounceKind => KeptAnnounce.TryRead(publication),
                    KeptItem.PublicationKind => KeptItem.TryRead(publication) is { } item ? item with { NextDue = now } : null,
                    _ => null,
                };
                if (entry is not null && Count(entry.Kind) < Max(entry.Kind))
                {
                    _entries[entry.Id] = entry;
                    restored++;
                }
            }
        }

        return restored;
    }

    /// <summary>Starts announcing: what is due goes at once, the rest on the timer.</summary>
    public void Start()
    {
        _timer = _time.CreateTimer(static self => ((KeepProviding)self!).Kick(), this, RetryInterval, RetryInterval);
        Kick();
    }

    public void Dispose() => _timer?.Dispose();

    private void Kick()
    {
        if (_timer is null || _shutdown.IsCancellationRequested || Interlocked.Exchange(ref _running, 1) != 0)
        {
            return;
        }

        RunRoundAsync().Observe(_logger, "re-announce of provided infohashes");
    }

    private async Task RunRoundAsync()
    {
        try
        {
            // Entries added while a round runs are picked up by the loop's next pass.
            while (!_shutdown.IsCancellationRequested && Due() is { Count: > 0 } due)
            {
                foreach (var batch in due.Chunk(AnnouncesAtOnce))
                {
                    await Task.WhenAll(batch.Select(AnnounceAsync)).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (_shutdown.IsCancellationRequested)
        {
        }
        finally
        {
            Volatile.Write(ref _running, 0);
        }
    }

    private int Max(string kind) => kind == KeptItem.PublicationKind ? _maxItems : MaxProvided;

    private void CheckRoomHoldingLock(string kind, NodeId key)
    {
        if (!_entries.ContainsKey((kind, key)) && Count(kind) >= Max(kind))
        {
            throw new InvalidOperationException(kind == KeptItem.PublicationKind
                ? $"This node already keeps {_maxItems} BEP 44 items alive, its cap (DhtOptions.MaxKeptItems); stop one with StopPutting first."
                : $"This node already keeps announcing {MaxProvided} infohashes, its cap; stop one with StopProviding first.");
        }
    }

    private int Count(string kind)
    {
        int count = 0;
        foreach (var key in _entries.Keys)
        {
            count += key.Kind == kind ? 1 : 0;
        }

        return count;
    }

    private List<NodeId> Keys(string kind)
    {
        lock (_lock)
        {
            return [.. _entries.Keys.Where(k => k.Kind == kind).Select(k => k.Key)];
        }
    }

    private List<KeptPublication> Due()
    {
        var now = _time.GetUtcNow();
        lock (_lock)
        {
            return [.. _entries.Values.Where(e => e.NextDue <= now)];
        }
    }

    private async Task AnnounceAsync(KeptPublication entry)
    {
        int stored = 0;
        try
        {
            stored = await entry.PublishAsync(_node, _shutdown).ConfigureAwait(false);
        }
        catch (DhtPutException error)
        {
            // A newer seq of the item is out there: putting ours again can only be refused.
            Log.KeptItemSuperseded(_logger, entry.Key, error.Message);
            Remove(entry.Kind, entry.Key);
            return;
        }
        catch (Exception error) when (error is not OperationCanceledException)
        {
            Log.ReannounceFailed(_logger, entry.Key, error);
        }

        var next = entry with { NextDue = _time.GetUtcNow() + (stored > 0 ? entry.Interval : RetryInterval) };
        lock (_lock)
        {
            // Stopped or changed while the announce ran: the newer state wins.
            if (!_entries.TryGetValue(entry.Id, out var current) || current != entry)
            {
                return;
            }

            _entries[entry.Id] = next;
        }

        _state?.RecordPublication(next.ToPublication());
    }

    /// <summary>One infohash we announce; the publication payload is the port (0 for implied_port) and the seed flag.</summary>
    private sealed record KeptAnnounce(NodeId InfoHash, int? Port, bool Seed) : KeptPublication(MainlineState.AnnounceKind, InfoHash)
    {
        private const int PayloadSize = 3;

        public override TimeSpan Interval => ReannounceInterval;

        public static KeptAnnounce? TryRead(SavedPublication publication)
        {
            if (publication.Key.Length != NodeId.Size || publication.Payload.Length != PayloadSize || publication.Payload[2] > 1)
            {
                return null;
            }

            int port = BinaryPrimitives.ReadUInt16BigEndian(publication.Payload);
            return new KeptAnnounce(new NodeId(publication.Key), port == 0 ? null : port, publication.Payload[2] == 1) { NextDue = publication.NextDue };
        }

        public override async Task<int> PublishAsync(DhtNode node, CancellationToken cancellationToken) =>
            (await node.ProvideAsync(InfoHash, Port, Seed, cancellationToken).ConfigureAwait(false)).Stored;

        protected override byte[] Payload()
        {
            byte[] payload = new byte[PayloadSize];
            BinaryPrimitives.WriteUInt16BigEndian(payload, (ushort)(Port ?? 0));
            payload[2] = Seed ? (byte)1 : (byte)0;
            return payload;
        }
    }
}

/// <summary>Something a node keeps alive on the DHT (<see cref="KeepProviding"/>): what it is, where, and when it is next due.</summary>
internal abstract record KeptPublication(string Kind, NodeId Key)
{
    public DateTimeOffset NextDue { get; init; }

    public (string Kind, NodeId Key) Id => (Kind, Key);

    /// <summary>How long after a round that reached some node the next one is due.</summary>
    public abstract TimeSpan Interval { get; }

    /// <summary>Does it once; returns how many nodes took it.</summary>
    public abstract Task<int> PublishAsync(DhtNode node, CancellationToken cancellationToken);

    public SavedPublication ToPublication() => new(Kind, Key.ToArray(), Payload(), NextDue);

    /// <summary>What a restarted node needs to do it again.</summary>
    protected abstract byte[] Payload();
}
