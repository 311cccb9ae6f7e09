using System.Net;
using System.Text.Json;
using DhtNet.Cli.Api;

namespace DhtNet.Tests.Cli.Api;

[Collection(ApiCollection.Name)]
public sealed class RpcEndpointTests(ApiFixture api)
{
    [Theory]
    [InlineData("dht")]
    [InlineData("routing")]
    public async Task Provide_ThenFindProviders_ReturnsThisNodeAsTcpPeer(string family)
    {
        string key = ApiFixture.RandomKey();
        var (provided, _) = await api.RpcAsync($"/api/v0/{family}/provide?arg={key}");
        Assert.Equal(HttpStatusCode.OK, provided);

        var (status, lines) = await api.RpcAsync($"/api/v0/{family}/findprovs?arg={key}&num-providers=5");

        Assert.Equal(HttpStatusCode.OK, status);
        var providers = lines.Select(Parse).Where(e => e.GetProperty("Type").GetInt32() == (int)QueryEventType.Provider).ToList();
        int port = api.Node.LocalEndPoints[0].Port;
        Assert.Contains(providers, e => e.GetProperty("Responses")[0].GetProperty("Addrs")[0].GetString() == $"/ip4/127.0.0.1/tcp/{port}");
    }

    [Fact]
    public async Task FindProviders_PeerAnnouncedBySwarmNode_StreamedWithItsPort()
    {
        // Peer stores keep one peer per IP address, so on loopback one announcer is all there is to find.
        var infohash = NodeId.Random();
        await api.Swarm[6].ProvideAsync(infohash, port: 5151);

        var (status, lines) = await api.RpcAsync($"/api/v0/routing/findprovs?arg={infohash}");

        Assert.Equal(HttpStatusCode.OK, status);
        var provider = Assert.Single(Events(lines, QueryEventType.Provider)).GetProperty("Responses")[0];
        Assert.Equal("/ip4/127.0.0.1/tcp/5151", provider.GetProperty("Addrs")[0].GetString());
    }

    [Fact]
    public async Task Query_RandomKey_FinalPeersClosestFirst()
    {
        var key = NodeId.Random();

        var (status, lines) = await api.RpcAsync($"/api/v0/dht/query?arg={key}");

        Assert.Equal(HttpStatusCode.OK, status);
        var ids = Events(lines, QueryEventType.FinalPeer).Select(e =>
        {
            Assert.True(MainlineNames.TryParseNode(e.GetProperty("ID").GetString()!, out var id));
            return id;
        }).ToList();
        Assert.NotEmpty(ids);
        Assert.Equal(ids.OrderBy(i => i.Xor(key)), ids);
    }

    [Fact]
    public async Task Query_StreamsHops_SendingQueriesAndPeerResponsesBeforeFinalPeers()
    {
        var (status, lines) = await api.RpcAsync($"/api/v0/dht/query?arg={ApiFixture.RandomKey()}");

        Assert.Equal(HttpStatusCode.OK, status);
        var types = lines.Select(Parse).Select(e => (QueryEventType)e.GetProperty("Type").GetInt32()).ToList();
        Assert.Contains(QueryEventType.SendingQuery, types);
        Assert.True(types.IndexOf(QueryEventType.PeerResponse) < types.IndexOf(QueryEventType.FinalPeer));
        var response = Events(lines, QueryEventType.PeerResponse).First();
        Assert.True(MainlineNames.TryParseNode(response.GetProperty("ID").GetString()!, out _));
        Assert.All(response.GetProperty("Responses").EnumerateArray(), p => Assert.StartsWith("/ip4/127.0.0.1/udp/", p.GetProperty("Addrs")[0].GetString()));
    }

    [Fact]
    public async Task FindPeer_SwarmNode_ReturnsItsUdpAddress()
    {
        var target = api.Swarm[7];

        var (status, lines) = await api.RpcAsync($"/api/v0/routing/findpeer?arg={target.Id}");

        Assert.Equal(HttpStatusCode.OK, status);
        var peer = Assert.Single(Events(lines, QueryEventType.FinalPeer)).GetProperty("Responses")[0];
        Assert.Equal(MainlineNames.PeerId(target.Id), peer.GetProperty("ID").GetString());
        Assert.Equal($"/ip4/127.0.0.1/udp/{target.LocalEndPoints[0].Port}", peer.GetProperty("Addrs")[0].GetString());
    }

    [Fact]
    public async Task FindPeer_UnknownNode_Http500NotFound()
    {
        var (status, lines) = await api.RpcAsync($"/api/v0/dht/findpeer?arg={ApiFixture.RandomKey()}");

        Assert.Equal(HttpStatusCode.InternalServerError, status);
        AssertError(lines, "routing: not found", 0);
    }

    [Fact]
    public async Task PutThenGet_NamedRecord_RoundTripsTheBytes()
    {
        byte[] value = [0, 1, 2, 250, 255];
        using var form = new MultipartFormDataContent { { new ByteArrayContent(value), "file", "value" } };

        var (put, _) = await api.RpcAsync("/api/v0/routing/put?arg=/test/record", form);
        var (status, lines) = await api.RpcAsync("/api/v0/dht/get?arg=/test/record");

        Assert.Equal(HttpStatusCode.OK, put);
        Assert.Equal(HttpStatusCode.OK, status);
        var e = Assert.Single(Events(lines, QueryEventType.Value));
        Assert.Equal(value, Convert.FromBase64String(e.GetProperty("Extra").GetString()!));
    }

    [Fact]
    public async Task PutThenGet_ImmutableByTarget_ReadFromAnotherNode()
    {
        byte[] value = "immutable value"u8.ToArray();
        var target = ItemRules.ImmutableTarget(ItemValues.Wrap(value));
        using var form = new MultipartFormDataContent { { new ByteArrayContent(value), "file", "value" } };

        var (put, _) = await api.RpcAsync($"/api/v0/dht/put?arg={target}", form);
        var found = await api.Swarm[5].GetAsync(target);

        Assert.Equal(HttpStatusCode.OK, put);
        Assert.NotNull(found);
        Assert.Equal(value, ItemValues.Unwrap(found.Value.Span).ToArray());
    }

    [Fact]
    public async Task Put_KeyNotTheValuesHash_Http400NamingArg()
    {
        using var form = new MultipartFormDataContent { { new ByteArrayContent("x"u8.ToArray()), "file", "value" } };

        var (status, lines) = await api.RpcAsync($"/api/v0/dht/put?arg={ApiFixture.RandomKey()}", form);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        AssertError(lines, "arg:", 1);
    }

    [Fact]
    public async Task FindProviders_TimeoutBeforeAnything_ContextDeadlineExceeded()
    {
        var (status, lines) = await api.RpcAsync($"/api/v0/dht/findprovs?arg={ApiFixture.RandomKey()}&timeout=1ns");

        Assert.Equal(HttpStatusCode.InternalServerError, status);
        AssertError(lines, "context deadline exceeded", 0);
    }

    [Fact]
    public async Task Id_NamesThisNodeAndItsAddress()
    {
        var (status, lines) = await api.RpcAsync("/api/v0/id");

        Assert.Equal(HttpStatusCode.OK, status);
        var id = Parse(Assert.Single(lines));
        Assert.Equal(MainlineNames.PeerId(api.Node.Id), id.GetProperty("ID").GetString());
        Assert.Equal($"/ip4/127.0.0.1/udp/{api.Node.LocalEndPoints[0].Port}", id.GetProperty("Addresses")[0].GetString());
        Assert.StartsWith("dhtnet/", id.GetProperty("AgentVersion").GetString());
    }

    [Fact]
    public async Task SwarmPeers_ListsRoutingTable()
    {
        var (status, lines) = await api.RpcAsync("/api/v0/swarm/peers");

        Assert.Equal(HttpStatusCode.OK, status);
        var peers = Parse(Assert.Single(lines)).GetProperty("Peers");
        Assert.Equal(api.Node.RoutingTableSize, peers.GetArrayLength());
    }

    [Fact]
    public async Task Version_GivesTheCliVersion()
    {
        var (status, lines) = await api.RpcAsync("/api/v0/version");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(RpcEndpoints.Version, Parse(Assert.Single(lines)).GetProperty("Version").GetString());
    }

    internal static JsonElement Parse(string line) => JsonDocument.Parse(line).RootElement;

    private static List<JsonElement> Events(IReadOnlyList<string> lines, QueryEventType type) =>
        [.. lines.Select(Parse).Where(e => e.GetProperty("Type").GetInt32() == (int)type)];

    internal static void AssertError(IReadOnlyList<string> lines, string message, int code)
    {
        var e = Parse(Assert.Single(lines));
        Assert.Contains(message, e.GetProperty("Message").GetString());
        Assert.Equal(code, e.GetProperty("Code").GetInt32());
        Assert.Equal("error", e.GetProperty("Type").GetString());
    }
}
