using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using DhtNet.Cli.Input;
using DhtNet.Cli.Output;
using Microsoft.Extensions.Logging;

namespace DhtNet.Cli.Hosting;

/// <summary>
/// The temporary node of a one-shot command: starts, bootstraps, runs the command's work under
/// --timeout, reports what the lookups cost, and leaves. On Mainline the node is read-only (BEP 43)
/// and on IPFS a DHT client, so neither network fills its tables with a node that is about to go.
/// </summary>
internal sealed class ClientSession : IAsyncDisposable
{
    private readonly ILoggerFactory _loggers;
    private readonly LookupTally _tally = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Stopwatch _operation = new();
    private readonly DhtNode? _node;
    private readonly LookupTrace? _trace;

    // A one-shot IPFS client is a fresh peer each run; its id is known before it starts, so a trace can follow it.
    private readonly PrivateKey _ipfsIdentity = Ed25519PrivateKey.Generate();
    private IpfsPeer? _ipfs;

    private ClientSession(ClientSettings settings, CliOutput output, CancellationToken cancellation, CancellationToken userCancellation)
    {
        Output = output;
        Settings = settings;
        Cancellation = cancellation;
        UserCancellation = userCancellation;
        _loggers = CliLogging.Create(settings.LogLevel);
        if (settings.Network == DhtNetworks.Mainline)
        {
            _node = new DhtNode(new DhtOptions
            {
                Port = settings.Port,
                BootstrapNodes = settings.Bootstrap,
                ReadOnly = true,
                LoggerFactory = _loggers,
            });
            _node.LookupCompleted += _tally.OnLookupCompleted;

            // From before the start, so a bootstrap that reaches nobody shows whom it asked.
            _trace = settings.Verbose ? new LookupTrace(output, () => Node.Id.ToString()) : null;
        }
        else
        {
            _trace = settings.Verbose ? new LookupTrace(output, () => _ipfsIdentity.PeerId.ToString()) : null;
        }
    }

    /// <summary>The Mainline node (--network mainline).</summary>
    public DhtNode Node => _node ?? throw new InvalidOperationException("This session runs on the IPFS DHT.");

    /// <summary>The IPFS DHT node (--network ipfs), started.</summary>
    public IpfsDhtNode Ipfs => IpfsPeer.Node;

    /// <summary>The IPFS node with its host (--network ipfs), started.</summary>
    public IpfsPeer IpfsPeer => _ipfs ?? throw new InvalidOperationException("This session runs on the Mainline DHT.");

    public CliOutput Output { get; }

    public ClientSettings Settings { get; }

    /// <summary>Cancelled by Ctrl+C or by --timeout.</summary>
    public CancellationToken Cancellation { get; }

    /// <summary>Cancelled by Ctrl+C only (for work that ends quietly at its own timeout).</summary>
    public CancellationToken UserCancellation { get; }

    /// <summary>What is left of --timeout.</summary>
    public TimeSpan Remaining
    {
        get
        {
            var left = Settings.Timeout - _clock.Elapsed;
            return left > TimeSpan.Zero ? left : TimeSpan.FromMilliseconds(1);
        }
    }

    /// <summary>
    /// Runs <paramref name="work"/> on a started and bootstrapped node. Exit codes: 3 when bootstrap
    /// reached no node, 4 when --timeout ran out; otherwise what <paramref name="work"/> returns.
    /// </summary>
    public static async Task<int> RunAsync(CliConsole console, ClientSettings settings, Func<ClientSession, Task<int>> work, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(settings.Timeout);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        var output = new CliOutput(console, settings.Json);
        await using var session = new ClientSession(settings, output, linked.Token, cancellationToken);
        try
        {
            await session.StartAsync();
            return await work(session);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            session.CheckBootstrapped();
            throw new CliException(ExitCodes.Failed, $"timed out after {settings.Timeout.TotalSeconds:0.###} s (see --timeout)");
        }
    }

    /// <summary>Prints {"type":"done",...} (or a summary line) with the cost of the lookups since bootstrap.</summary>
    public void WriteDone()
    {
        var (queried, answered) = _ipfs?.Requests ?? _tally.Total;
        var elapsed = _operation.Elapsed;
        Output.Json("done", w =>
        {
            w.WriteNumber("queried", queried);
            w.WriteNumber("answered", answered);
            w.WriteNumber("elapsedMs", Display.Milliseconds(elapsed));
        });
        Output.Line($"[grey]{Display.Cost(queried, answered, elapsed)}[/]");
    }

    /// <summary>
    /// For a question to one node: null (no answer) when --timeout ends it, rather than the
    /// time-out failure a lookup gets.
    /// </summary>
    public async Task<T?> NoAnswerOnTimeoutAsync<T>(Task<T?> question)
        where T : class
    {
        try
        {
            return await question;
        }
        catch (OperationCanceledException) when (!UserCancellation.IsCancellationRequested)
        {
            return null;
        }
    }

    /// <inheritdoc cref="NoAnswerOnTimeoutAsync{T}(Task{T})"/>
    public async Task<T?> NoAnswerOnTimeoutAsync<T>(Task<T?> question)
        where T : struct
    {
        try
        {
            return await question;
        }
        catch (OperationCanceledException) when (!UserCancellation.IsCancellationRequested)
        {
            return null;
        }
    }

    /// <summary>Resolves a "host:port" argument to the endpoint to send to.</summary>
    public Task<IPEndPoint> ResolveAsync(string name, string text) => Inputs.ResolveAsync(name, text, Cancellation);

    public async ValueTask DisposeAsync()
    {
        // The trace ends with the command's work (requests still out are shown cancelled): what a
        // leaving node does is not news.
        _trace?.Dispose();
        if (_node is not null)
        {
            await _node.DisposeAsync();
        }

        if (_ipfs is not null)
        {
            await _ipfs.DisposeAsync();
        }

        _loggers.Dispose();
    }

    private async Task StartAsync()
    {
        var bootstrap = Settings.BootstrapText;
        string joining = bootstrap.Count == 0 ? "Starting a node" : $"Joining the DHT via {string.Join(", ", bootstrap)}";
        if (_node is not null)
        {
            try
            {
                await Output.StatusAsync(joining, () => _node.StartAsync(Cancellation));
            }
            catch (SocketException e)
            {
                throw CliException.BadInput($"--port {Settings.Port}: cannot bind the UDP port ({e.Message})");
            }
        }
        else
        {
            await Output.StatusAsync(joining, StartIpfsAsync);
        }

        CheckBootstrapped();
        _tally.Start();
        _ipfs?.StartCounting();
        _operation.Start();
    }

    /// <summary>A DHT client on TCP (it listens, so that what it provides carries addresses peers can dial), joined through the resolved bootstrap peers.</summary>
    private async Task StartIpfsAsync()
    {
        try
        {
            _ipfs = await IpfsPeer.StartAsync(_ipfsIdentity, IpfsPeer.ListenAddresses(null, Settings.Port), _loggers, clientMode: true, cancellationToken: Cancellation);
        }
        catch (SocketException e)
        {
            throw CliException.BadInput($"--port {Settings.Port}: cannot listen on the TCP port ({e.Message})");
        }

        var seeds = await IpfsPeer.ResolveSeedsAsync(Settings.IpfsBootstrap, Settings.DnsServer, _loggers.CreateLogger("dht"), Cancellation);
        if (seeds.Count > 0)
        {
            await _ipfs.BootstrapAsync(seeds, Cancellation);
        }
    }

    private int RoutingTableSize => _node?.RoutingTableSize ?? _ipfs?.Node.Table.Count ?? 0;

    private void CheckBootstrapped()
    {
        var bootstrap = Settings.BootstrapText;
        if (bootstrap.Count > 0 && RoutingTableSize == 0)
        {
            throw new CliException(ExitCodes.NoNodeAnswered, $"no node answered: bootstrap from {string.Join(", ", bootstrap)} failed");
        }
    }
}
