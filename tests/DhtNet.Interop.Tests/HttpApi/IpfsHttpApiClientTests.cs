using System.Text;
using System.Text.Json;
using DhtNet.Tests.Cli.Api;

namespace DhtNet.Interop.Tests.HttpApi;

/// <summary>
/// The real JavaScript clients against the API of a node on a local IPFS network (in process): ipfs-http-client 60
/// (/api/v0/dht) and kubo-rpc-client 7 (/api/v0/routing) call every DHT operation and add, block, name, swarm
/// and object; the Helia delegated-routing client calls providers, peers, closest peers and IPNS.
/// </summary>
public sealed class IpfsHttpApiClientTests(IpfsApiFixture api) : IClassFixture<IpfsApiFixture>
{
    [Theory]
    [InlineData("ipfs-http-client")]
    [InlineData("kubo-rpc-client")]
    public async Task RpcClient_EveryOperationOnIpfs_Works(string client)
    {
        var plan = await PlanAsync();

        var results = await JsClients.RunAsync(client, plan);

        var id = JsClients.Ok(results, "id");
        Assert.Equal(api.Node.PeerId.ToString(), id.GetProperty("id").GetString());
        Assert.Contains($"{api.Host.ListenAddresses[0]}/p2p/{api.Node.PeerId}", id.GetProperty("addresses").EnumerateArray().Select(a => a.GetString()));

        var added = JsClients.Ok(results, "add");
        Assert.Equal("QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o", added.GetProperty("cid").GetString());
        Assert.Equal(20, added.GetProperty("size").GetInt32());
        Assert.Equal("bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e", JsClients.Ok(results, "addV1").GetString());
        Assert.Equal($"a raw block {api.Url}", JsClients.Ok(results, "blockGet").GetString());

        JsClients.Ok(results, "provide");
        Assert.Contains("not found locally", JsClients.Failed(results, "provideMissing").GetProperty("message").GetString());
        var provider = Assert.Single(JsClients.Ok(results, "findProvs").EnumerateArray());
        Assert.Equal(plan.peer, provider.GetProperty("id").GetString());
        var found = Assert.Single(JsClients.Ok(results, "findPeer").EnumerateArray());
        Assert.Contains(plan.peerAddr, found.GetProperty("addrs").EnumerateArray().Select(a => a.GetString()));
        Assert.Contains("routing: not found", JsClients.Failed(results, "findPeerMissing").GetProperty("message").GetString());

        var query = JsClients.Ok(results, "query");
        var names = query.GetProperty("names").EnumerateArray().Select(n => n.GetString()).ToList();
        Assert.Contains("SENDING_QUERY", names);
        Assert.Contains("PEER_RESPONSE", names);
        Assert.Contains("FINAL_PEER", names);
        Assert.NotEmpty(query.GetProperty("closer").EnumerateArray());

        JsClients.Ok(results, "put");
        Assert.Equal(plan.pkValue, JsClients.Ok(results, "get").GetString());
        Assert.Contains("routing: not found", JsClients.Failed(results, "getMissing").GetProperty("message").GetString());

        var published = JsClients.Ok(results, "publish");
        Assert.Equal(plan.publishPath, published.GetProperty("value").GetString());
        Assert.Equal(plan.publishPath, Assert.Single(JsClients.Ok(results, "resolve").EnumerateArray()).GetString());

        Assert.True(JsClients.Ok(results, "connect").GetBoolean());
        Assert.Contains(plan.connectPeer, JsClients.Ok(results, "peers").EnumerateArray().Select(p => p.GetString()));
        if (client == "ipfs-http-client")
        {
            Assert.Equal("QmUNLLsPACCz1vLxQVkXqqLX5R1X345qqfHbsf67hvA3Nn", JsClients.Ok(results, "objectNew").GetString());
        }

        Assert.Equal("TimeoutError", JsClients.Failed(results, "timeout").GetProperty("error").GetString());
        Assert.Contains("arg", JsClients.Failed(results, "badKey").GetProperty("message").GetString());
    }

    [Fact]
    public async Task DelegatedRoutingClient_Ipfs_ProvidersPeersClosestAndIpns()
    {
        var plan = await PlanAsync();

        var results = await JsClients.RunAsync("delegated-routing", plan);

        var provider = Assert.Single(JsClients.Ok(results, "getProviders").EnumerateArray());
        Assert.Contains(plan.peerAddr, provider.GetProperty("addrs").EnumerateArray().Select(a => a.GetString()));
        Assert.Equal(0, JsClients.Ok(results, "getProvidersNone").GetArrayLength());
        var peer = Assert.Single(JsClients.Ok(results, "getPeers").EnumerateArray());
        Assert.Contains(plan.peerAddr, peer.GetProperty("addrs").EnumerateArray().Select(a => a.GetString()));
        Assert.InRange(JsClients.Ok(results, "getClosestPeers").GetArrayLength(), 1, 20);
        Assert.True(JsClients.Ok(results, "putIPNS").GetBoolean());
        Assert.Equal(plan.ipnsRecord, JsClients.Ok(results, "getIPNS").GetString());
        Assert.Equal("NotFoundError", JsClients.Failed(results, "getIPNSMissing").GetProperty("error").GetString());
    }

    private async Task<Plan> PlanAsync()
    {
        var (providerHost, providerNode, _) = api.Peers[3];
        var provided = Cid.Hash(Encoding.UTF8.GetBytes($"provided by a peer {Guid.NewGuid()}"));
        Assert.True(await providerNode.ProvideAsync(provided) > 0);
        var (pkHost, _, pkKey) = api.Peers[4];
        var (ipnsHost, _, ipnsKey) = api.Peers[5];
        byte[] ipnsRecord = IpnsRecord.Create(ipnsKey, Encoding.UTF8.GetBytes($"/ipfs/{provided}"), (ulong)DateTime.UtcNow.Ticks, DateTimeOffset.UtcNow.AddHours(1), TimeSpan.FromMinutes(5));
        var stranger = api.Peers[7].Host;
        return new Plan(
            api.Url,
            "ipfs",
            provided.ToString(),
            Cid.Hash(Encoding.UTF8.GetBytes(Guid.NewGuid().ToString())).ToString(),
            providerHost.PeerId.ToString(),
            providerHost.PeerId.ToCidString(),
            providerHost.ListenAddresses[0].ToString(),
            Ed25519PrivateKey.Generate().PeerId.ToString(),
            api.Peers[2].Host.PeerId.ToString(),
            $"/pk/{pkHost.PeerId}",
            Convert.ToBase64String(pkKey.PublicKey.Marshal()),
            $"/ipns/{Ed25519PrivateKey.Generate().PeerId}",
            $"/ipfs/{Cid.Hash(Encoding.UTF8.GetBytes(Guid.NewGuid().ToString()))}",
            api.Node.PeerId.ToString(),
            ipnsHost.PeerId.ToCidString(),
            Convert.ToBase64String(ipnsRecord),
            Ed25519PrivateKey.Generate().PeerId.ToCidString(),
            stranger.ListenAddresses[0].WithPeerId(stranger.PeerId).ToString(),
            stranger.PeerId.ToString());
    }

#pragma warning disable IDE1006, SA1300 // the driver reads these names
    private sealed record Plan(
        string url,
        string network,
        string providedCid,
        string missingCid,
        string peer,
        string peerCid,
        string peerAddr,
        string missingPeer,
        string queryKey,
        string pkKey,
        string pkValue,
        string missingRecord,
        string publishPath,
        string self,
        string ipnsName,
        string ipnsRecord,
        string missingName,
        string connectAddr,
        string connectPeer);
#pragma warning restore IDE1006, SA1300
}
