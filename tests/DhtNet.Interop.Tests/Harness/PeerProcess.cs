using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace DhtNet.Interop.Tests.Harness;

/// <summary>
/// A peer driver speaking JSON lines: each command <c>{"id": n, "cmd": name, ...}</c> gets one reply
/// <c>{"id": n, "ok": true|false, ...}</c>; lines with an <c>"event"</c> field are kept in <see cref="Events"/>.
/// </summary>
public sealed class PeerProcess : IAsyncDisposable
{
    /// <summary>How long a command may take when the caller gives no timeout.</summary>
    public static readonly TimeSpan DefaultCommandTimeout = TimeSpan.FromSeconds(30);

    private readonly ConcurrentDictionary<long, TaskCompletionSource<JsonObject>> _pending = new();
    private readonly ChildProcess _child;
    private long _nextId;

    private PeerProcess(string name, string fileName, IEnumerable<string> arguments, string workingDirectory)
    {
        Events = new ObservedLog<JsonObject>(10_000);
        _child = ChildProcess.Start(name, fileName, arguments, workingDirectory, OnLine);
        _ = _child.Exited.ContinueWith(_ => OnExited(), TaskScheduler.Default);
    }

    /// <summary>The driver's asynchronous events (warnings, announces received, packets when traced).</summary>
    public ObservedLog<JsonObject> Events { get; }

    /// <summary>The short name used in messages.</summary>
    public string Name => _child.Name;

    /// <summary>The driver's operating-system process id.</summary>
    public int ProcessId => _child.Id;

    /// <summary>Completes when the driver process has exited.</summary>
    public Task Exited => _child.Exited;

    /// <summary>Starts a driver; it runs until disposed (or until its stdin closes).</summary>
    public static PeerProcess Start(string name, string fileName, IEnumerable<string> arguments, string workingDirectory) =>
        new(name, fileName, arguments, workingDirectory);

    /// <summary>
    /// Sends one command and returns its reply. Throws <see cref="PeerCommandException"/> for an
    /// <c>ok: false</c> reply, <see cref="TimeoutException"/> when none comes in time; both carry the
    /// driver's stderr.
    /// </summary>
    public async Task<JsonObject> SendAsync(string command, JsonObject? arguments = null, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        long id = Interlocked.Increment(ref _nextId);
        var message = arguments?.DeepClone().AsObject() ?? [];
        message["id"] = id;
        message["cmd"] = command;

        var completion = new TaskCompletionSource<JsonObject>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = completion;
        try
        {
            if (_child.Exited.IsCompleted || !_child.WriteLine(message.ToJsonString()))
            {
                throw new PeerCommandException(Name, command, "the driver is not running", Describe());
            }

            var effectiveTimeout = timeout ?? DefaultCommandTimeout;
            JsonObject reply;
            try
            {
                reply = await completion.Task.WaitAsync(effectiveTimeout, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                throw new TimeoutException($"{Name} did not answer '{command}' within {effectiveTimeout.TotalSeconds:0.#} s.{Environment.NewLine}{Describe()}");
            }

            if (reply["ok"]?.GetValue<bool>() != true)
            {
                throw new PeerCommandException(Name, command, reply["error"]?.ToString() ?? "no error text", Describe());
            }

            return reply;
        }
        finally
        {
            _pending.TryRemove(id, out _);
        }
    }

    /// <summary>Waits for an event named <paramref name="name"/> that also matches <paramref name="predicate"/>.</summary>
    public Task<JsonObject> WaitForEventAsync(string name, Func<JsonObject, bool>? predicate, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        Events.WaitAsync(
            e => e["event"]?.ToString() == name && (predicate is null || predicate(e)),
            timeout,
            () => $"Waiting for event '{name}'.{Environment.NewLine}{Describe()}",
            cancellationToken);

    /// <summary>The process, its exit status, stderr and the newest events, for failure messages.</summary>
    public string Describe()
    {
        var events = Events.Snapshot();
        var lines = events.Skip(Math.Max(0, events.Count - 20)).Select(e => "  " + e.ToJsonString());
        return _child.Describe() + Environment.NewLine + "recent events:" + Environment.NewLine + string.Join(Environment.NewLine, lines);
    }

    /// <summary>Ends the driver (stdin closed, then killed if it lingers).</summary>
    public ValueTask DisposeAsync() => _child.DisposeAsync();

    private void OnLine(string line)
    {
        JsonObject message;
        try
        {
            message = JsonNode.Parse(line) as JsonObject ?? throw new JsonException("not an object");
        }
        catch (JsonException)
        {
            // Not protocol: a library printing to stdout. Keep it visible as an event.
            Events.Add(new JsonObject { ["event"] = "stdout", ["line"] = line });
            return;
        }

        if (message["id"] is JsonValue idValue && idValue.TryGetValue(out long id))
        {
            if (_pending.TryGetValue(id, out var completion))
            {
                completion.TrySetResult(message);
            }

            return;
        }

        Events.Add(message);
    }

    private void OnExited()
    {
        string reason = $"{Name} exited.";
        Events.Close(reason);
        foreach (var pending in _pending.Values)
        {
            pending.TrySetException(new InvalidOperationException(reason + Environment.NewLine + Describe()));
        }
    }
}
