using System.Buffers.Binary;
using DhtNet.Internal;
using DhtNet.Persistence;
using Microsoft.Extensions.Logging;

namespace DhtNet.Mainline;

/// <summary>
/// The infohashes a node keeps announcing (<see cref="DhtNode.StartProviding"/>): each is announced
/// at once and again every <see cref="ReannounceInterval"/>, well inside the 30 minutes for which
/// other nodes keep an announced peer (BEP 5), and sooner after an announce that reached no node.
/// With a state store each one is saved with the time it is next due, so a restarted node goes on
/// where it stopped. One round runs at a time, a few announces at once.
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
    private readonly Lock _lock = new();
    private readonly Dictionary<NodeId, Entry> _entries = [];
    private ITimer? _timer;
    private int _running;

    public KeepProviding(DhtNode node, TimeProvider time, MainlineState? state, ILogger logger, CancellationToken shutdown)
    {
        _node = node;
        _time = time;
        _state = state;
        _logger = logger;
        _shutdown = shutdown;
    }

    public IReadOnlyList<NodeId> InfoHashes
    {
        get
        {
            lock (_lock)
            {
                return [.. _entries.Keys];
            }
        }
    }

    /// <summary>Adds (or changes) an infohash to keep announcing; it is due at once.</summary>
    public void Add(NodeId infoHash, int? port, bool seed)
    {
        var entry = new Entry(infoHash, port, seed) { NextDue = _time.GetUtcNow() };
        lock (_lock)
        {
            if (!_entries.ContainsKey(infoHash) && _entries.Count >= MaxProvided)
            {
                throw new InvalidOperationException($"A node keeps providing at most {MaxProvided} infohashes; stop providing one first.");
            }

            _entries[infoHash] = entry;
        }

        _state?.RecordPublication(entry.ToPublication());
        Kick();
    }

    public bool Remove(NodeId infoHash)
    {
        bool removed;
        lock (_lock)
        {
            removed = _entries.Remove(infoHash);
        }

        if (removed)
        {
            _state?.RemovePublication(MainlineState.AnnounceKind, infoHash.ToArray());
        }

        return removed;
    }

    /// <summary>Takes back the saved publications; returns how many were announce publications this type could read.</summary>
    public int Restore(IReadOnlyList<SavedPublication> publications)
    {
        int restored = 0;
        lock (_lock)
        {
            foreach (var publication in publications)
            {
                if (publication.Kind == MainlineState.AnnounceKind && Entry.TryRead(publication) is { } entry && _entries.Count < MaxProvided)
                {
                    _entries[entry.InfoHash] = entry;
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

    private List<Entry> Due()
    {
        var now = _time.GetUtcNow();
        lock (_lock)
        {
            return [.. _entries.Values.Where(e => e.NextDue <= now)];
        }
    }

    private async Task AnnounceAsync(Entry entry)
    {
        int stored = 0;
        try
        {
            stored = (await _node.ProvideAsync(entry.InfoHash, entry.Port, entry.Seed, _shutdown).ConfigureAwait(false)).Stored;
        }
        catch (Exception error) when (error is not OperationCanceledException)
        {
            Log.ReannounceFailed(_logger, entry.InfoHash, error);
        }

        var next = entry with { NextDue = _time.GetUtcNow() + (stored > 0 ? ReannounceInterval : RetryInterval) };
        lock (_lock)
        {
            // Stopped or changed while the announce ran: the newer state wins.
            if (!_entries.TryGetValue(entry.InfoHash, out var current) || current != entry)
            {
                return;
            }

            _entries[entry.InfoHash] = next;
        }

        _state?.RecordPublication(next.ToPublication());
    }

    /// <summary>One infohash we announce; the publication payload is the port (0 for implied_port) and the seed flag.</summary>
    private sealed record Entry(NodeId InfoHash, int? Port, bool Seed)
    {
        private const int PayloadSize = 3;

        public DateTimeOffset NextDue { get; init; }

        public static Entry? TryRead(SavedPublication publication)
        {
            if (publication.Key.Length != NodeId.Size || publication.Payload.Length != PayloadSize || publication.Payload[2] > 1)
            {
                return null;
            }

            int port = BinaryPrimitives.ReadUInt16BigEndian(publication.Payload);
            return new Entry(new NodeId(publication.Key), port == 0 ? null : port, publication.Payload[2] == 1) { NextDue = publication.NextDue };
        }

        public SavedPublication ToPublication()
        {
            byte[] payload = new byte[PayloadSize];
            BinaryPrimitives.WriteUInt16BigEndian(payload, (ushort)(Port ?? 0));
            payload[2] = Seed ? (byte)1 : (byte)0;
            return new SavedPublication(MainlineState.AnnounceKind, InfoHash.ToArray(), payload, NextDue);
        }
    }
}
