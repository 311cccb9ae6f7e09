using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using DhtNet.Cli.Api;

namespace DhtNet.Tests.Cli.Api;

/// <summary>The API of a node on the IPFS DHT, over HTTP: every DHT command, add/block/object/name, delegated routing IPNS, metrics and the dashboard state.</summary>
[Collection(IpfsApiCollection.Name)]
public sealed class IpfsApiTests(IpfsApiFixture api)
{
    [Fact]
    public async Task Add_HelloWorld_KuboCidAndBlockServed()
    {
        var (status, lines) = await api.RpcAsync("/api/v0/add", IpfsApiFixture.File("hello world\n"u8.ToArray(), "hello.txt"));

        Assert.Equal(HttpStatusCode.OK, status);
        var added = Parse(Assert.Single(lines));
        Assert.Equal("QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o", added.GetProperty("Hash").GetString());
        Assert.Equal("hello.txt", added.GetProperty("Name").GetString());
        Assert.Equal("20", added.GetProperty("Size").GetString());
        using var block = await api.Http.PostAsync("/api/v0/block/get?arg=QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o", null);
        Assert.Equal(UnixFs.AddFile("hello world\n"u8).Data.ToArray(), await block.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Add_CidVersion1_RawLeafCid()
    {
        var (status, lines) = await api.RpcAsync("/api/v0/add?cid-version=1", IpfsApiFixture.File("hello world"u8.ToArray()));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e", Parse(Assert.Single(lines)).GetProperty("Hash").GetString());
    }

    [Fact]
    public async Task ObjectNew_UnixfsDir_EmptyDirectoryCid()
    {
        var (status, lines) = await api.RpcAsync("/api/v0/object/new?arg=unixfs-dir");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("QmUNLLsPACCz1vLxQVkXqqLX5R1X345qqfHbsf67hvA3Nn", Parse(Assert.Single(lines)).GetProperty("Hash").GetString());
    }

    [Fact]
    public async Task BlockPut_ThenStatAndGet_SameBytes()
    {
        byte[] data = Encoding.UTF8.GetBytes($"block {Guid.NewGuid()}");

        var (status, lines) = await api.RpcAsync("/api/v0/block/put", IpfsApiFixture.File(data));

        Assert.Equal(HttpStatusCode.OK, status);
        string key = Parse(Assert.Single(lines)).GetProperty("Key").GetString()!;
        Assert.Equal(Cid.Hash(data).ToString(), key);
        var (_, stat) = await api.RpcAsync($"/api/v0/block/stat?arg={key}");
        Assert.Equal(data.Length, Parse(Assert.Single(stat)).GetProperty("Size").GetInt32());
        using var got = await api.Http.PostAsync($"/api/v0/block/get?arg={key}", null);
        Assert.Equal(data, await got.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Provide_BlockNotHeld_RefusedNotFoundLocally()
    {
        var missing = Cid.Hash(Encoding.UTF8.GetBytes(Guid.NewGuid().ToString()));

        var (status, lines) = await api.RpcAsync($"/api/v0/routing/provide?arg={missing}");

        Assert.Equal(HttpStatusCode.InternalServerError, status);
        RpcEndpointTests.AssertError(lines, "not found locally", 0);
    }

    [Fact]
    public async Task Provide_AddedBlock_AnotherPeerFindsTheApiNode()
    {
        var (_, added) = await api.RpcAsync("/api/v0/add", IpfsApiFixture.File(Encoding.UTF8.GetBytes(Guid.NewGuid().ToString())));
        string cid = Parse(Assert.Single(added)).GetProperty("Hash").GetString()!;

        var (status, events) = await api.RpcAsync($"/api/v0/dht/provide?arg={cid}");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains(events, e => Parse(e).GetProperty("Type").GetInt32() == (int)QueryEventType.SendingQuery);
        var found = new List<PeerInfo>();
        await foreach (var provider in api.Peers[5].Node.FindProvidersAsync(Cid.Parse(cid), 1, TimeSpan.FromSeconds(20)))
        {
            found.Add(provider);
        }

        Assert.Equal(api.Node.PeerId, Assert.Single(found).Id);
    }

    [Fact]
    public async Task FindProvs_ProvidedByAPeer_ProviderEventWithAddresses()
    {
        var cid = Cid.Hash(Encoding.UTF8.GetBytes(Guid.NewGuid().ToString()));
        var (host, node, _) = api.Peers[3];
        Assert.True(await node.ProvideAsync(cid) > 0);

        var (status, lines) = await api.RpcAsync($"/api/v0/routing/findprovs?arg={cid}&num-providers=1");

        Assert.Equal(HttpStatusCode.OK, status);
        var provider = lines.Select(Parse).Where(e => e.GetProperty("Type").GetInt32() == (int)QueryEventType.Provider)
            .SelectMany(e => e.GetProperty("Responses").EnumerateArray()).Single();
        Assert.Equal(host.PeerId.ToString(), provider.GetProperty("ID").GetString());
        Assert.Contains(host.ListenAddresses[0].ToString(), provider.GetProperty("Addrs").EnumerateArray().Select(a => a.GetString()));
    }

    [Fact]
    public async Task FindPeer_PeerOfTheNetwork_FinalPeerWithItsAddress()
    {
        var target = api.Peers[6].Host;

        var (status, lines) = await api.RpcAsync($"/api/v0/dht/findpeer?arg={target.PeerId}");

        Assert.Equal(HttpStatusCode.OK, status);
        var peer = lines.Select(Parse).Single(e => e.GetProperty("Type").GetInt32() == (int)QueryEventType.FinalPeer).GetProperty("Responses")[0];
        Assert.Equal(target.PeerId.ToString(), peer.GetProperty("ID").GetString());
        Assert.Contains(target.ListenAddresses[0].ToString(), peer.GetProperty("Addrs").EnumerateArray().Select(a => a.GetString()));
    }

    [Fact]
    public async Task Query_PeerId_HopsThenClosestPeersOfTheNetwork()
    {
        var (status, lines) = await api.RpcAsync($"/api/v0/dht/query?arg={api.Peers[2].Host.PeerId}");

        Assert.Equal(HttpStatusCode.OK, status);
        var events = lines.Select(Parse).ToList();
        Assert.Contains(events, e => e.GetProperty("Type").GetInt32() == (int)QueryEventType.SendingQuery);
        Assert.Contains(events, e => e.GetProperty("Type").GetInt32() == (int)QueryEventType.PeerResponse);
        var final = events.Where(e => e.GetProperty("Type").GetInt32() == (int)QueryEventType.FinalPeer).Select(e => e.GetProperty("ID").GetString()!).ToList();
        var all = api.Peers.Select(p => p.Host.PeerId.ToString()).ToHashSet();
        Assert.NotEmpty(final);
        Assert.All(final, id => Assert.Contains(id, all));
    }

    [Fact]
    public async Task PutThenGet_PublicKeyRecordAsText_ValueRoundTrips()
    {
        var (host, _, key) = api.Peers[4];
        byte[] value = key.PublicKey.Marshal();
        using var body = IpfsApiFixture.File(value);

        var (putStatus, _) = await api.RpcAsync($"/api/v0/routing/put?arg=/pk/{host.PeerId}", body);
        var (getStatus, lines) = await api.RpcAsync($"/api/v0/dht/get?arg=/pk/{host.PeerId}");

        Assert.Equal(HttpStatusCode.OK, putStatus);
        Assert.Equal(HttpStatusCode.OK, getStatus);
        var valueEvent = lines.Select(Parse).Single(e => e.GetProperty("Type").GetInt32() == (int)QueryEventType.Value);
        Assert.Equal(value, Convert.FromBase64String(valueEvent.GetProperty("Extra").GetString()!));
    }

    [Fact]
    public async Task Put_RecordOfAnotherKey_Http400NamingValue()
    {
        var (host, _, _) = api.Peers[4];
        using var body = IpfsApiFixture.File(api.Key.PublicKey.Marshal());

        var (status, lines) = await api.RpcAsync($"/api/v0/routing/put?arg=/pk/{host.PeerId}", body);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        RpcEndpointTests.AssertError(lines, "value", 1);
    }

    [Fact]
    public async Task NamePublish_WithKuboDefaults_KeepsTheNameAlive()
    {
        string path = $"/ipfs/{Cid.Hash(Encoding.UTF8.GetBytes(Guid.NewGuid().ToString()))}";

        var (status, lines) = await api.RpcAsync($"/api/v0/name/publish?arg={path}");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(path, Parse(Assert.Single(lines)).GetProperty("Value").GetString());
        Assert.Contains(api.Node.PeerId, api.Node.PublishedNames);
        var (_, resolved) = await api.RpcAsync($"/api/v0/name/resolve?arg=/ipns/{api.Node.PeerId}");
        Assert.Equal(path, Parse(Assert.Single(resolved)).GetProperty("Path").GetString());
    }

    [Fact]
    public async Task NamePublish_ThenResolveAndDelegatedGet_PointAtThePath()
    {
        string path = $"/ipfs/{Cid.Hash(Encoding.UTF8.GetBytes(Guid.NewGuid().ToString()))}";

        var (status, lines) = await api.RpcAsync($"/api/v0/name/publish?arg={path}&lifetime=1h");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.DoesNotContain(api.Node.PeerId, api.Node.PublishedNames);
        var published = Parse(Assert.Single(lines));
        Assert.Equal(api.Node.PeerId.ToString(), published.GetProperty("Name").GetString());
        Assert.Equal(path, published.GetProperty("Value").GetString());
        var (_, resolved) = await api.RpcAsync($"/api/v0/name/resolve?arg=/ipns/{api.Node.PeerId}");
        Assert.Equal(path, Parse(Assert.Single(resolved)).GetProperty("Path").GetString());

        // Another peer reads the record off the DHT and it validates against the name.
        var record = await api.Peers[7].Node.GetAsync(IpnsRecord.KeyFor(api.Node.PeerId));
        Assert.NotNull(record);
        Assert.Equal(path, Encoding.UTF8.GetString(IpnsRecord.Parse(record).Value.Span));

        using var request = new HttpRequestMessage(HttpMethod.Get, $"/routing/v1/ipns/{api.Node.PeerId.ToCidString(MultibaseEncoding.Base36Lower)}");
        request.Headers.Accept.ParseAdd("application/vnd.ipfs.ipns-record");
        using var response = await api.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/vnd.ipfs.ipns-record", response.Content.Headers.ContentType?.MediaType);
        Assert.StartsWith("public, max-age=3600", response.Headers.CacheControl?.ToString().Replace(" ", "", StringComparison.Ordinal).Replace(",", ", ", StringComparison.Ordinal));
        Assert.NotNull(response.Headers.ETag);
        Assert.Contains("Accept", response.Headers.Vary);
        Assert.Equal("*", Assert.Single(response.Headers.GetValues("Access-Control-Allow-Origin")));
        Assert.Equal(path, Encoding.UTF8.GetString(IpnsRecord.Parse(await response.Content.ReadAsByteArrayAsync()).Value.Span));

        // Not found (a name nobody published): 404 with the short cache, CORS and Vary all the same.
        using var missing = await api.Http.GetAsync($"/routing/v1/ipns/{Ed25519PrivateKey.Generate().PeerId.ToCidString()}");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Contains("max-age=15", missing.Headers.CacheControl!.ToString());
        Assert.Contains("Accept", missing.Headers.Vary);
        Assert.Equal("*", Assert.Single(missing.Headers.GetValues("Access-Control-Allow-Origin")));
    }

    [Fact]
    public async Task DelegatedPutIpns_RecordOfAnotherPeer_StoredAndReadable()
    {
        var (host, _, key) = api.Peers[1];
        byte[] record = IpnsRecord.Create(key, Encoding.UTF8.GetBytes("/ipfs/QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o"), (ulong)DateTime.UtcNow.Ticks, DateTimeOffset.UtcNow.AddHours(1), TimeSpan.FromMinutes(5));
        using var content = new ByteArrayContent(record);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/vnd.ipfs.ipns-record");

        using var put = await api.Http.PutAsync($"/routing/v1/ipns/{host.PeerId.ToCidString()}", content);
        var (_, resolved) = await api.RpcAsync($"/api/v0/name/resolve?arg={host.PeerId}");

        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        Assert.Equal("/ipfs/QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o", Parse(Assert.Single(resolved)).GetProperty("Path").GetString());
    }

    [Fact]
    public async Task DelegatedIpns_BadInput_SpecStatusCodes()
    {
        var (host, _, key) = api.Peers[2];
        byte[] record = IpnsRecord.Create(key, "/ipfs/QmUNLLsPACCz1vLxQVkXqqLX5R1X345qqfHbsf67hvA3Nn"u8, 1, DateTimeOffset.UtcNow.AddHours(1), TimeSpan.FromMinutes(5));

        using var wrongType = await api.Http.PutAsync($"/routing/v1/ipns/{host.PeerId.ToCidString()}", new ByteArrayContent(record));
        Assert.Equal(HttpStatusCode.NotAcceptable, wrongType.StatusCode);

        using var forOther = new ByteArrayContent(record);
        forOther.Headers.ContentType = new MediaTypeHeaderValue("application/vnd.ipfs.ipns-record");
        using var wrongName = await api.Http.PutAsync($"/routing/v1/ipns/{api.Peers[3].Host.PeerId.ToCidString()}", forOther);
        Assert.Equal(HttpStatusCode.BadRequest, wrongName.StatusCode);

        using var badName = await api.Http.GetAsync("/routing/v1/ipns/not-a-name");
        Assert.Equal(HttpStatusCode.BadRequest, badName.StatusCode);

        using var missing = await api.Http.GetAsync($"/routing/v1/ipns/{Ed25519PrivateKey.Generate().PeerId.ToCidString()}");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    public static readonly TheoryData<string, string> BadRequests = new()
    {
        { "/api/v0/add?cid-version=2", "cid-version" },
        { "/api/v0/add?hash=md5", "hash" },
        { "/api/v0/add?raw-leaves=maybe", "raw-leaves" },
        { "/api/v0/add?chunker=rabin", "chunker" },
        { "/api/v0/add?wrap-with-directory=true", "wrap-with-directory" },
        { "/api/v0/block/get", "arg" },
        { "/api/v0/block/get?arg=not-a-cid", "arg" },
        { "/api/v0/block/stat?arg=Qm", "arg" },
        { "/api/v0/block/put?mhtype=sha1", "mhtype" },
        { "/api/v0/block/put?mhlen=20", "mhlen" },
        { "/api/v0/block/put?cid-codec=nonsense", "cid-codec" },
        { "/api/v0/block/put?format=v0&cid-codec=raw", "cid-codec" },
        { "/api/v0/object/new?arg=unixfs-file", "arg" },
        { "/api/v0/name/publish", "arg" },
        { "/api/v0/name/publish?arg=no-path", "arg" },
        { "/api/v0/name/publish?arg=/ipfs/QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o&key=other", "key" },
        { "/api/v0/name/publish?arg=/ipfs/QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o&lifetime=forever", "lifetime" },
        { "/api/v0/name/publish?arg=/ipfs/QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o&ttl=-1s", "ttl" },
        { "/api/v0/name/resolve?arg=example.com", "arg" },
        { "/api/v0/name/resolve?arg=12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN&recursive=perhaps", "recursive" },
        { "/api/v0/swarm/connect", "arg" },
        { "/api/v0/swarm/connect?arg=not-a-multiaddr", "arg" },
        { "/api/v0/swarm/connect?arg=/ip4/127.0.0.1/tcp/4001", "arg" },
        { "/api/v0/dht/get?arg=/ipns/not-a-peer", "arg" },
        { "/api/v0/routing/put?arg=/unknown/key", "arg" },
        { "/api/v0/routing/findprovs?arg=not-a-cid", "arg" },
        { "/api/v0/routing/findpeer?arg=bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e", "arg" },
        { "/api/v0/dht/query?arg=%00", "arg" },
        { "/api/v0/dht/findprovs?arg=QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o&network=mainline", "network" },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task Command_BadArgument_Http400NamingIt(string request, string argument)
    {
        var (status, lines) = await api.RpcAsync(request, IpfsApiFixture.File("x"u8.ToArray()));

        Assert.Equal(HttpStatusCode.BadRequest, status);
        RpcEndpointTests.AssertError(lines, argument, 1);
    }

    [Fact]
    public async Task Add_LargerThanOneChunk_Http400NamingFile()
    {
        var (status, lines) = await api.RpcAsync("/api/v0/add", IpfsApiFixture.File(new byte[UnixFs.MaxChunkSize + 1]));

        Assert.Equal(HttpStatusCode.BadRequest, status);
        RpcEndpointTests.AssertError(lines, "file", 1);
    }

    [Fact]
    public async Task Id_IpfsNode_PeerIdKeyAndFullAddresses()
    {
        var (status, lines) = await api.RpcAsync("/api/v0/id");

        Assert.Equal(HttpStatusCode.OK, status);
        var id = Parse(Assert.Single(lines));
        Assert.Equal(api.Node.PeerId.ToString(), id.GetProperty("ID").GetString());
        Assert.Equal(api.Key.PublicKey.Marshal(), Convert.FromBase64String(id.GetProperty("PublicKey").GetString()!));
        Assert.Contains($"{api.Host.ListenAddresses[0]}/p2p/{api.Node.PeerId}", id.GetProperty("Addresses").EnumerateArray().Select(a => a.GetString()));
        Assert.Contains(LibP2pKadMessenger.ProtocolId, id.GetProperty("Protocols").EnumerateArray().Select(a => a.GetString()));
    }

    [Fact]
    public async Task SwarmConnectThenPeers_NewHost_ListedAsConnected()
    {
        await using var stranger = new LibP2pHost(Ed25519PrivateKey.Generate(), new LibP2pHostOptions { ListenAddresses = [Multiaddr.Parse("/ip4/127.0.0.1/tcp/0")] });
        await stranger.StartAsync();
        string address = stranger.ListenAddresses[0].WithPeerId(stranger.PeerId).ToString();

        var (status, lines) = await api.RpcAsync($"/api/v0/swarm/connect?arg={Uri.EscapeDataString(address)}");
        var (_, peers) = await api.RpcAsync("/api/v0/swarm/peers");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal($"connect {stranger.PeerId} success", Parse(Assert.Single(lines)).GetProperty("Strings")[0].GetString());
        Assert.Contains(stranger.PeerId.ToString(), Parse(Assert.Single(peers)).GetProperty("Peers").EnumerateArray().Select(p => p.GetProperty("Peer").GetString()));
    }

    [Fact]
    public async Task MetricsAndDashboard_IpfsNetwork_Shown()
    {
        await api.RpcAsync($"/api/v0/dht/findpeer?arg={api.Peers[1].Host.PeerId}");

        string metrics = await api.Http.GetStringAsync("/metrics");
        using var state = JsonDocument.Parse(await api.Http.GetStringAsync("/api/dashboard/state"));

        Assert.Contains("dhtnet_ipfs_queries_served_total", metrics);
        Assert.Contains("dhtnet_ipfs_routing_peers", metrics);
        Assert.Contains("dhtnet_api_queries_pending", metrics);
        var ipfs = Assert.Single(state.RootElement.GetProperty("networks").EnumerateArray());
        Assert.Equal("ipfs", ipfs.GetProperty("network").GetString());
        Assert.True(ipfs.GetProperty("tables")[0].GetProperty("buckets").EnumerateArray().Sum(b => b.GetProperty("nodes").GetInt32()) >= IpfsApiFixture.PeerCount - 1);
        Assert.Contains(ipfs.GetProperty("stores").EnumerateArray(), s => s.GetProperty("name").GetString() == "blocks");
        Assert.True(ipfs.GetProperty("served").GetProperty("find_node").GetInt64() > 0);
        Assert.Contains(ipfs.GetProperty("lookups").EnumerateArray(), l => l.GetProperty("method").GetString() == "find_node");
    }

    private static JsonElement Parse(string line) => JsonDocument.Parse(line).RootElement.Clone();
}
