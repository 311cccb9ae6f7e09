using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace DhtNet.Interop.Tests.HttpApi;

/// <summary>
/// The real JavaScript clients against `dht node --api` on a local Mainline swarm:
/// ipfs-http-client 60 (/api/v0/dht) and kubo-rpc-client 7 (/api/v0/routing) call every DHT
/// operation; the Helia delegated-routing client calls every /routing/v1 endpoint.
/// </summary>
public sealed class HttpApiClientTests(ApiNodeProcess node) : IClassFixture<ApiNodeProcess>
{
    private const int ProvidedPort = 6543;

    [Theory]
    [InlineData("ipfs-http-client")]
    [InlineData("kubo-rpc-client")]
    public async Task RpcClient_EveryDhtOperation_Works(string client)
    {
        var plan = await PlanAsync();

        var results = await JsClients.RunAsync(client, plan);

        var id = JsClients.Ok(results, "id");
        string ownAddress = id.GetProperty("addresses")[0].GetString()!;
        Assert.StartsWith("/ip4/127.0.0.1/udp/", ownAddress);
        string ownPort = ownAddress.Split('/')[^1];
        // The client parsed our id as a peer id (it prints it as a base58btc multihash).
        Assert.False(string.IsNullOrEmpty(id.GetProperty("id").GetString()));

        JsClients.Ok(results, "provide");
        Assert.Contains(Addresses(JsClients.Ok(results, "findProvsOwn")), a => a == $"/ip4/127.0.0.1/tcp/{ownPort}");
        Assert.Contains(Addresses(JsClients.Ok(results, "findProvs")), a => a == $"/ip4/127.0.0.1/tcp/{ProvidedPort}");

        var target = node.Swarm[5];
        var found = Assert.Single(JsClients.Ok(results, "findPeer").EnumerateArray());
        Assert.Equal($"/ip4/127.0.0.1/udp/{target.EndPoint.Port}", found.GetProperty("addrs")[0].GetString());

        Assert.True(JsClients.Ok(results, "query").GetArrayLength() >= 1);
        var hops = JsClients.Ok(results, "queryHops");
        var names = hops.GetProperty("names").EnumerateArray().Select(n => n.GetString()).ToList();
        Assert.Contains("SENDING_QUERY", names);
        Assert.Contains("PEER_RESPONSE", names);
        Assert.Contains(Addresses(hops.GetProperty("closer")), a => a.StartsWith("/ip4/127.0.0.1/udp/", StringComparison.Ordinal));

        JsClients.Ok(results, "put");
        Assert.Equal(plan.value, JsClients.Ok(results, "get").GetString());
        JsClients.Ok(results, "putImmutable");
        Assert.Equal(plan.immutableValue, JsClients.Ok(results, "getImmutable").GetString());

        Assert.Contains("routing: not found", JsClients.Failed(results, "getMissing").GetProperty("message").GetString());
        Assert.Contains("routing: not found", JsClients.Failed(results, "findPeerMissing").GetProperty("message").GetString());
        Assert.Equal("TimeoutError", JsClients.Failed(results, "timeout").GetProperty("error").GetString());
        Assert.Contains("arg", JsClients.Failed(results, "badKey").GetProperty("message").GetString());
    }

    [Fact]
    public async Task DelegatedRoutingClient_EveryEndpoint_AnswersPerSpec()
    {
        var plan = await PlanAsync();

        var results = await JsClients.RunAsync("delegated-routing", plan);

        Assert.Contains(Addresses(JsClients.Ok(results, "getProviders")), a => a == $"/ip4/127.0.0.1/tcp/{ProvidedPort}");
        Assert.Equal(0, JsClients.Ok(results, "getProvidersNone").GetArrayLength());
        var peer = Assert.Single(JsClients.Ok(results, "getPeers").EnumerateArray());
        Assert.Equal($"/ip4/127.0.0.1/udp/{node.Swarm[5].EndPoint.Port}", peer.GetProperty("addrs")[0].GetString());
        var closest = JsClients.Ok(results, "getClosestPeers");
        Assert.InRange(closest.GetArrayLength(), 1, 20);
        // Mainline has no IPNS: the endpoints answer 501, which the client reports as an error.
        Assert.Contains("501", JsClients.Failed(results, "getIPNS").GetProperty("message").GetString());
        JsClients.Failed(results, "putIPNS");
        Assert.Equal("InvalidRequestError", JsClients.Failed(results, "getProvidersBadCid").GetProperty("error").GetString());
    }

    private static IEnumerable<string> Addresses(JsonElement peers) =>
        peers.EnumerateArray().SelectMany(p => p.GetProperty("addrs").EnumerateArray()).Select(a => a.GetString()!);

    private async Task<Plan> PlanAsync()
    {
        var provided = NodeId.Random();
        await node.Swarm[3].Node.ProvideAsync(provided, ProvidedPort);
        byte[] immutable = RandomNumberGenerator.GetBytes(24);
        byte[] bencoded = [.. Encoding.ASCII.GetBytes($"{immutable.Length}:"), .. immutable];
        return new Plan(
            node.Url,
            NodeId.Random().ToString(),
            provided.ToString(),
            node.Swarm[5].NodeId.ToString(),
            NodeId.Random().ToString(),
            NodeId.Random().ToString(),
            NodeId.Random().ToString(),
            $"/test/{Guid.NewGuid():N}",
            Convert.ToBase64String(RandomNumberGenerator.GetBytes(40)),
            Convert.ToHexStringLower(SHA1.HashData(bencoded)),
            Convert.ToBase64String(immutable));
    }

#pragma warning disable IDE1006, SA1300 // the driver reads these names
    private sealed record Plan(
        string url,
        string provideKey,
        string providedKey,
        string peer,
        string missingPeer,
        string queryKey,
        string missingKey,
        string name,
        string value,
        string immutableKey,
        string immutableValue);
#pragma warning restore IDE1006, SA1300
}
