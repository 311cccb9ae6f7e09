using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Sockets;
using DhtNet.Tests.Cli;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DhtNet.Tests.Hosting;

public sealed class AddDhtNodeTests(LoopbackSwarm swarm) : IClassFixture<LoopbackSwarm>
{
    // A node on a free loopback port that bootstraps from the swarm, as appsettings.json would say it.
    private Dictionary<string, string?> LoopbackSettings() => new()
    {
        ["DhtNet:Port"] = "0",
        ["DhtNet:BindAddresses:0"] = "127.0.0.1",
        ["DhtNet:BootstrapNodes:0"] = swarm.Bootstrap,
        ["DhtNet:RequestTimeout"] = "00:00:02",
    };

    private static IHost BuildHost(
        Dictionary<string, string?> settings,
        Func<DhtOptions, DhtOptions>? configure = null,
        Action<IServiceCollection>? services = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddDhtNode(configure);
        services?.Invoke(builder.Services);
        return builder.Build();
    }

    [Fact]
    public async Task AddDhtNode_InGenericHost_StartsLooksUpAndStopsCleanly()
    {
        using var host = BuildHost(LoopbackSettings());
        await host.StartAsync();
        var node = host.Services.GetRequiredService<DhtNode>();
        var endPoint = node.LocalEndPoints.Single();
        Assert.Equal(IPAddress.Loopback, endPoint.Address);
        Assert.True(node.RoutingTableSize > 0, "bootstrap from the swarm filled the routing table");

        var target = swarm.Nodes[5].Id;
        var result = await node.QueryAsync(target);
        Assert.Contains(result.Nodes, n => n.Id == target);

        await host.StopAsync();
        // Stopped means the socket is closed: the port can be bound again.
        using var again = new UdpClient(endPoint);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => node.QueryAsync(target));
    }

    [Theory]
    [InlineData("Port", "70000", "DhtNet:Port:")]
    [InlineData("Port", "six", "DhtNet:Port: 'six' is not a whole number.")]
    [InlineData("Alpha", "0", "DhtNet:Alpha:")]
    [InlineData("K", "-1", "DhtNet:K:")]
    [InlineData("RequestTimeout", "soon", "DhtNet:RequestTimeout: 'soon' is not a duration")]
    [InlineData("RequestTimeout", "00:00:00", "DhtNet:RequestTimeout:")]
    [InlineData("ReadOnly", "yes", "DhtNet:ReadOnly: 'yes' is not true or false.")]
    [InlineData("NodeId", "abc", "DhtNet:NodeId: 'abc' is not a node id")]
    [InlineData("BindAddresses", "127.0.0.1,10.0.0.1", "DhtNet:BindAddresses:")]
    [InlineData("BindAddresses:0", "localhost", "DhtNet:BindAddresses: 'localhost' is not an IP address.")]
    [InlineData("BootstrapNodes:0", "router-without-port", "DhtNet:BootstrapNodes:")]
    [InlineData("QueryAttempts", "0", "DhtNet:QueryAttempts:")]
    [InlineData("SoftTimeout", "-00:00:01", "DhtNet:SoftTimeout:")]
    [InlineData("MaxPeerStoreBytes", "100", "DhtNet:MaxPeerStoreBytes: MaxPeerStoreBytes must hold at least one full infohash")]
    [InlineData("MaxQueriesPerSecondPerAddress", "-5", "DhtNet:MaxQueriesPerSecondPerAddress:")]
    [InlineData("Prot", "6881", "DhtNet:Prot is not a DhtNet setting; did you mean Port?")]
    [InlineData("Colour", "blue", "DhtNet:Colour is not a DhtNet setting.")]
    public async Task StartAsync_BadSetting_FailsNamingTheKey(string key, string value, string expected)
    {
        var settings = LoopbackSettings();
        settings[$"DhtNet:{key}"] = value;
        using var host = BuildHost(settings);

        var e = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        // One message for the one bad key, and it names the key.
        Assert.StartsWith(expected, Assert.Single(e.Failures), StringComparison.Ordinal);
    }

    [Fact]
    public void Options_FromConfiguration_ReplaceDefaultListsAndKeepOtherDefaults()
    {
        using var host = BuildHost(new()
        {
            ["DhtNet:BootstrapNodes:0"] = "198.51.100.1:6881",
            ["DhtNet:BootstrapNodes:1"] = "198.51.100.2:6881",
            ["DhtNet:Alpha"] = "3",
            ["DhtNet:PeerTimeToLive"] = "00:10:00",
            ["DhtNet:NodeId"] = "0123456789abcdef0123456789abcdef01234567",
        });

        var options = host.Services.GetRequiredService<IOptions<DhtOptions>>().Value;

        Assert.Equal(["198.51.100.1:6881", "198.51.100.2:6881"], options.BootstrapNodes);
        Assert.Equal(3, options.Alpha);
        Assert.Equal(TimeSpan.FromMinutes(10), options.PeerTimeToLive);
        Assert.Equal(NodeId.Parse("0123456789abcdef0123456789abcdef01234567"), options.NodeId);
        Assert.Equal(new DhtOptions().K, options.K);
        Assert.Equal(6881, options.Port);
    }

    [Fact]
    public void Options_CommaSeparatedValue_IsAList()
    {
        // As an environment variable gives it: DhtNet__BootstrapNodes=a:1,b:2
        using var host = BuildHost(new() { ["DhtNet:BootstrapNodes"] = "198.51.100.1:6881, 198.51.100.2:6881" });

        var options = host.Services.GetRequiredService<IOptions<DhtOptions>>().Value;

        Assert.Equal(["198.51.100.1:6881", "198.51.100.2:6881"], options.BootstrapNodes);
    }

    [Fact]
    public void Options_ConfigureCallback_AppliesOverConfigurationAndKeepsHostLogging()
    {
        using var host = BuildHost(new() { ["DhtNet:Port"] = "7000" }, o => o with { ReadOnly = true, K = 20 });

        var options = host.Services.GetRequiredService<IOptions<DhtOptions>>().Value;

        Assert.Equal(7000, options.Port);
        Assert.True(options.ReadOnly);
        Assert.Equal(20, options.K);
        Assert.Same(host.Services.GetRequiredService<ILoggerFactory>(), options.LoggerFactory);
    }

    [Fact]
    public void Options_InGenericHost_UseTheHostsMeterFactory()
    {
        using var host = BuildHost([], configure: null);

        var options = host.Services.GetRequiredService<IOptions<DhtOptions>>().Value;

        Assert.NotNull(options.MeterFactory);
        Assert.Same(host.Services.GetRequiredService<IMeterFactory>(), options.MeterFactory);
    }

    [Fact]
    public void Options_ConfigureCallbackWithBadValue_FailsNamingTheSetting()
    {
        using var host = BuildHost([], o => o with { MaxInfohashes = 0 });

        var e = Assert.Throws<OptionsValidationException>(() => host.Services.GetRequiredService<IOptions<DhtOptions>>().Value);

        Assert.Contains("DhtNet:MaxInfohashes:", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LifecycleHooks_RunBeforeStartAndBeforeStop_InOrder()
    {
        var seen = new List<string>();
        using var host = BuildHost(LoopbackSettings(), services: s =>
        {
            s.AddSingleton<IDhtNodeLifecycleHook>(new RecordingHook("first", seen));
            s.AddSingleton<IDhtNodeLifecycleHook>(new RecordingHook("second", seen));
        });

        await host.StartAsync();
        await host.StopAsync();

        // Starting hooks see a node with no socket yet; stopping hooks a node still bound.
        Assert.Equal(["first starting bound=False", "second starting bound=False", "first stopping bound=True", "second stopping bound=True"], seen);
    }

    [Fact]
    public async Task LifecycleHook_SavesTableOnStopAndRestoresItOnNextStart()
    {
        var saved = new TableHook();
        using (var host = BuildHost(LoopbackSettings(), services: s => s.AddSingleton<IDhtNodeLifecycleHook>(saved)))
        {
            await host.StartAsync();
            await host.StopAsync();
        }

        Assert.NotEmpty(saved.Nodes);
        // The second run has no bootstrap list: only the restored table can fill its routing table.
        var settings = LoopbackSettings();
        settings["DhtNet:BootstrapNodes"] = "";
        using var restarted = BuildHost(settings, services: s => s.AddSingleton<IDhtNodeLifecycleHook>(saved));
        await restarted.StartAsync();

        Assert.True(restarted.Services.GetRequiredService<DhtNode>().RoutingTableSize > 0);
        Assert.Empty(restarted.Services.GetRequiredService<IOptions<DhtOptions>>().Value.BootstrapNodes);
        await restarted.StopAsync();
    }

    [Fact]
    public void AddDhtNode_Twice_Throws()
    {
        var services = new ServiceCollection();
        services.AddDhtNode();

        Assert.Throws<InvalidOperationException>(() => services.AddDhtNode());
    }

    private sealed class RecordingHook(string name, List<string> seen) : IDhtNodeLifecycleHook
    {
        public ValueTask OnStartingAsync(DhtNode node, CancellationToken cancellationToken)
        {
            seen.Add($"{name} starting bound={node.LocalEndPoints.Count > 0}");
            return ValueTask.CompletedTask;
        }

        public ValueTask OnStoppingAsync(DhtNode node, CancellationToken cancellationToken)
        {
            seen.Add($"{name} stopping bound={node.LocalEndPoints.Count > 0}");
            return ValueTask.CompletedTask;
        }
    }

    private sealed class TableHook : IDhtNodeLifecycleHook
    {
        public IReadOnlyList<NodeInfo> Nodes { get; private set; } = [];

        public ValueTask OnStartingAsync(DhtNode node, CancellationToken cancellationToken)
        {
            node.ImportNodes(Nodes);
            return ValueTask.CompletedTask;
        }

        public ValueTask OnStoppingAsync(DhtNode node, CancellationToken cancellationToken)
        {
            Nodes = node.ExportNodes();
            return ValueTask.CompletedTask;
        }
    }
}
