using System.Net;
using System.Net.Sockets;

namespace DhtNet.Tests.Node;

/// <summary>
/// Every argument of the public node API is checked: a wrong-length id, a port out of range or a
/// null gives an ArgumentException that names the argument (options are checked when the node is made).
/// </summary>
public class ArgumentTests
{
    public static TheoryData<string, DhtOptions> BadOptions => new()
    {
        { nameof(DhtOptions.Port), new DhtOptions { Port = -1 } },
        { nameof(DhtOptions.Port), new DhtOptions { Port = 65536 } },
        { nameof(DhtOptions.BindAddresses), new DhtOptions { BindAddresses = null! } },
        { nameof(DhtOptions.BindAddresses), new DhtOptions { BindAddresses = [] } },
        { nameof(DhtOptions.BindAddresses), new DhtOptions { BindAddresses = [null!] } },
        { nameof(DhtOptions.BindAddresses), new DhtOptions { BindAddresses = [IPAddress.Any, IPAddress.Loopback] } },
        { nameof(DhtOptions.BootstrapNodes), new DhtOptions { BootstrapNodes = null! } },
        { nameof(DhtOptions.BootstrapNodes), new DhtOptions { BootstrapNodes = [null!] } },
        { nameof(DhtOptions.BootstrapNodes), new DhtOptions { BootstrapNodes = [""] } },
        { nameof(DhtOptions.BootstrapNodes), new DhtOptions { BootstrapNodes = ["router.example"] } },
        { nameof(DhtOptions.BootstrapNodes), new DhtOptions { BootstrapNodes = ["router.example:0"] } },
        { nameof(DhtOptions.BootstrapNodes), new DhtOptions { BootstrapNodes = ["router.example:65536"] } },
        { nameof(DhtOptions.BootstrapNodes), new DhtOptions { BootstrapNodes = ["::1:6881"] } },
        { nameof(DhtOptions.K), new DhtOptions { K = 0 } },
        { nameof(DhtOptions.Alpha), new DhtOptions { Alpha = 0 } },
        { nameof(DhtOptions.RequestTimeout), new DhtOptions { RequestTimeout = TimeSpan.Zero } },
        { nameof(DhtOptions.QueryAttempts), new DhtOptions { QueryAttempts = 0 } },
        { nameof(DhtOptions.MaxQueriesPerSecondPerAddress), new DhtOptions { MaxQueriesPerSecondPerAddress = -1 } },
        { nameof(DhtOptions.SoftTimeout), new DhtOptions { SoftTimeout = TimeSpan.FromSeconds(-1) } },
        { nameof(DhtOptions.MaxPendingQueries), new DhtOptions { MaxPendingQueries = 0 } },
        { nameof(DhtOptions.PeerTimeToLive), new DhtOptions { PeerTimeToLive = TimeSpan.Zero } },
        { nameof(DhtOptions.MaxPeersPerInfohash), new DhtOptions { MaxPeersPerInfohash = 0 } },
        { nameof(DhtOptions.MaxInfohashes), new DhtOptions { MaxInfohashes = 0 } },
        { nameof(DhtOptions.MaxPeerStoreBytes), new DhtOptions { MaxPeerStoreBytes = 100 } },
        { nameof(DhtOptions.TimeProvider), new DhtOptions { TimeProvider = null! } },
    };

    [Theory]
    [MemberData(nameof(BadOptions))]
    public void Constructor_BadOption_ThrowsNamingIt(string name, DhtOptions options)
    {
        var error = Assert.ThrowsAny<ArgumentException>(() => new DhtNode(new NullTransport(), options));
        Assert.Equal(name, error.ParamName);
        Assert.Contains(name, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(BadOptions))]
    public void Validate_BadOption_ThrowsNamingIt(string name, DhtOptions options)
    {
        var error = Assert.ThrowsAny<ArgumentException>(options.Validate);
        Assert.Equal(name, error.ParamName);
    }

    [Fact]
    public void Validate_DefaultsAndLoopbackPair_Pass()
    {
        new DhtOptions().Validate();
        new DhtOptions { Port = 0, BindAddresses = [IPAddress.Loopback, IPAddress.IPv6Loopback], BootstrapNodes = [] }.Validate();
    }

    [Fact]
    public async Task Constructor_DefaultOptions_Accepted()
    {
        await using var node = new DhtNode(new NullTransport());
        await using var withOptions = new DhtNode(new NullTransport(), new DhtOptions { Port = 0, BindAddresses = [IPAddress.Loopback, IPAddress.IPv6Loopback] });
        Assert.Equal(8, node.Options.K);
    }

    [Theory]
    [InlineData(19)]
    [InlineData(21)]
    [InlineData(0)]
    public void NodeId_WrongLengthBytes_ThrowsNamingArgument(int length)
    {
        var error = Assert.Throws<ArgumentException>(() => new NodeId(new byte[length]));
        Assert.Equal("bytes", error.ParamName);
    }

    [Fact]
    public void NodeIdParse_Null_ThrowsNamingArgument()
    {
        Assert.Equal("hex", Assert.Throws<ArgumentNullException>(() => NodeId.Parse(null!)).ParamName);
    }

    [Fact]
    public async Task AddNode_NullOrPortZero_ThrowsNamingEndPoint()
    {
        await using var node = new DhtNode(new NullTransport(), Quiet);
        Assert.Equal("endPoint", Assert.Throws<ArgumentNullException>(() => node.AddNode(null!)).ParamName);
        Assert.Equal("endPoint", Assert.Throws<ArgumentException>(() => node.AddNode(new IPEndPoint(IPAddress.Loopback, 0))).ParamName);
    }

    [Fact]
    public async Task ImportNodes_NullOrBadEntries_ThrowsNamingNodes()
    {
        await using var node = new DhtNode(new NullTransport(), Quiet);
        var id = NodeId.Random();
        Assert.Equal("nodes", Assert.Throws<ArgumentNullException>(() => node.ImportNodes(null!)).ParamName);
        Assert.Equal("nodes", Assert.ThrowsAny<ArgumentException>(() => node.ImportNodes([new NodeInfo(id, null!)])).ParamName);
        Assert.Equal("nodes", Assert.ThrowsAny<ArgumentException>(() => node.ImportNodes([new NodeInfo(id, new IPEndPoint(IPAddress.Loopback, 0))])).ParamName);
        Assert.Equal(0, node.RoutingTableSize);
    }

    [Fact]
    public async Task GetBuckets_UnsupportedFamily_ThrowsNamingFamily()
    {
        await using var node = new DhtNode(new NullTransport(), Quiet);
        Assert.Equal("family", Assert.ThrowsAny<ArgumentException>(() => node.GetBuckets(AddressFamily.Unix)).ParamName);
        Assert.Empty(node.GetBuckets(AddressFamily.InterNetworkV6));
    }

    [Fact]
    public async Task PingAndProvide_BadArguments_ThrowAtTheCallNotFromTheTask()
    {
        await using var node = new DhtNode(new NullTransport(), Quiet);
        Assert.Equal("endPoint", Assert.Throws<ArgumentNullException>(() => { _ = node.PingAsync(null!); }).ParamName);
        Assert.Equal("port", Assert.Throws<ArgumentException>(() => { _ = node.ProvideAsync(NodeId.Random(), 0); }).ParamName);
        Assert.Equal("port", Assert.Throws<ArgumentException>(() => { _ = node.ProvideAsync(NodeId.Random(), 70000, seed: true); }).ParamName);
    }

    [Fact]
    public async Task PingAsync_NullOrPortZero_ThrowsNamingEndPoint()
    {
        await using var node = new DhtNode(new NullTransport(), Quiet);
        Assert.Equal("endPoint", (await Assert.ThrowsAsync<ArgumentNullException>(() => node.PingAsync(null!))).ParamName);
        Assert.Equal("endPoint", (await Assert.ThrowsAsync<ArgumentException>(() => node.PingAsync(new IPEndPoint(IPAddress.Loopback, 0)))).ParamName);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(65536)]
    public async Task ProvideAsync_PortOutOfRange_ThrowsNamingPort(int port)
    {
        await using var node = new DhtNode(new NullTransport(), Quiet);
        Assert.Equal("port", (await Assert.ThrowsAsync<ArgumentException>(() => node.ProvideAsync(NodeId.Random(), port))).ParamName);
        Assert.Equal("port", (await Assert.ThrowsAsync<ArgumentException>(() => node.ProvideAsync([NodeId.Random()], port))).ParamName);
        Assert.Equal("port", (await Assert.ThrowsAsync<ArgumentException>(() => node.ProvideAsync([], port))).ParamName);
    }

    [Fact]
    public async Task ProvideAsync_NullInfoHashes_ThrowsNamingThem()
    {
        await using var node = new DhtNode(new NullTransport(), Quiet);
        Assert.Equal("infoHashes", (await Assert.ThrowsAsync<ArgumentNullException>(() => node.ProvideAsync((IEnumerable<NodeId>)null!))).ParamName);
    }

    [Fact]
    public async Task FindProvidersAsync_BadLimits_ThrowWhenCalledNamingThem()
    {
        await using var node = new DhtNode(new NullTransport(), Quiet);
        // Thrown by the call itself, not later by the first MoveNextAsync.
        Assert.Equal("maxProviders", Assert.ThrowsAny<ArgumentException>(() => node.FindProvidersAsync(NodeId.Random(), maxProviders: 0)).ParamName);
        Assert.Equal("timeout", Assert.ThrowsAny<ArgumentException>(() => node.FindProvidersAsync(NodeId.Random(), timeout: TimeSpan.Zero)).ParamName);
        Assert.Equal("timeout", Assert.ThrowsAny<ArgumentException>(() => node.FindProvidersAsync(NodeId.Random(), timeout: TimeSpan.FromSeconds(-5))).ParamName);
    }

    [Fact]
    public async Task Operations_BeforeStart_ThrowInvalidOperation()
    {
        await using var node = new DhtNode(new NullTransport(), Quiet);
        await Assert.ThrowsAsync<InvalidOperationException>(() => node.QueryAsync(NodeId.Random()));
        await Assert.ThrowsAsync<InvalidOperationException>(() => node.FindPeerAsync(NodeId.Random()));
        await Assert.ThrowsAsync<InvalidOperationException>(() => node.ProvideAsync(NodeId.Random()));
        await Assert.ThrowsAsync<InvalidOperationException>(() => node.PingAsync(new IPEndPoint(IPAddress.Loopback, 6881)));
        Assert.Throws<InvalidOperationException>(() => node.FindProvidersAsync(NodeId.Random()));
    }

    [Fact]
    public async Task StartAsync_Twice_ThrowsThenDisposedThrowsObjectDisposed()
    {
        var clock = new VirtualTimeProvider();
        using var network = new InMemoryNetwork(clock);
        var node = new DhtNode(network.CreateTransport(), Quiet with { TimeProvider = clock });
        await node.StartAsync();
        await Assert.ThrowsAsync<InvalidOperationException>(() => node.StartAsync());
        await node.DisposeAsync();
        await node.DisposeAsync();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => node.StartAsync());
        await Assert.ThrowsAsync<ObjectDisposedException>(() => node.QueryAsync(NodeId.Random()));
        Assert.Throws<ObjectDisposedException>(() => node.FindProvidersAsync(NodeId.Random()));
    }

    private static DhtOptions Quiet => new() { BootstrapNodes = [] };

    // A transport that is never started: argument checks must not need a network.
    private sealed class NullTransport : IDatagramTransport
    {
        public IReadOnlyList<IPEndPoint> LocalEndPoints { get; } = [new IPEndPoint(IPAddress.Loopback, 6881)];

        public void Start(DatagramHandler handler)
        {
        }

        public bool Send(ReadOnlySpan<byte> datagram, IPEndPoint destination) => false;

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
