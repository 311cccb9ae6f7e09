using System.Net;
using System.Text.Json;
using DhtNet.Cli.Api;

namespace DhtNet.Tests.Cli.Api;

[Collection(ApiCollection.Name)]
public sealed class DelegatedRoutingTests(ApiFixture api)
{
    [Fact]
    public async Task Providers_Json_PeerSchemaWithCacheHeaders()
    {
        var infohash = NodeId.Random();
        await api.Swarm[2].ProvideAsync(infohash, port: 4242);

        using var response = await api.Http.GetAsync($"/routing/v1/providers/{infohash}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType!.MediaType);
        Assert.Contains("max-age=300", response.Headers.CacheControl!.ToString());
        Assert.Contains("Accept", response.Headers.Vary);
        Assert.Equal("*", Single(response, "Access-Control-Allow-Origin"));
        var provider = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("Providers")[0];
        Assert.Equal("peer", provider.GetProperty("Schema").GetString());
        Assert.Equal("/ip4/127.0.0.1/tcp/4242", provider.GetProperty("Addrs")[0].GetString());
    }

    [Fact]
    public async Task Providers_Sha1Cid_SameAsInfohash()
    {
        var infohash = NodeId.Random();
        await api.Swarm[3].ProvideAsync(infohash, port: 4343);
        // CIDv1, raw (0x55), sha1 (0x11), 20 bytes, base32 lower.
        string cid = "b" + SimpleBase.Base32.Rfc4648.Encode([0x01, 0x55, 0x11, 0x14, .. infohash.ToArray()], padding: false).ToLowerInvariant();

        using var response = await api.Http.GetAsync($"/routing/v1/providers/{cid}");

        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("/ip4/127.0.0.1/tcp/4343", body.GetProperty("Providers")[0].GetProperty("Addrs")[0].GetString());
    }

    [Fact]
    public async Task Providers_NoneFound_200EmptyWithShortCache()
    {
        using var response = await api.Http.GetAsync($"/routing/v1/providers/{NodeId.Random()}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("max-age=15", response.Headers.CacheControl!.ToString());
        Assert.Equal("{\"Providers\":[]}", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task ClosestPeers_Ndjson_OneRecordPerLineClosestFirst()
    {
        var key = NodeId.Random();
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/routing/v1/dht/closest/peers/{key}");
        request.Headers.Accept.ParseAdd("application/x-ndjson");

        using var response = await api.Http.SendAsync(request);

        Assert.Equal("application/x-ndjson", response.Content.Headers.ContentType!.MediaType);
        var ids = (await response.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => JsonDocument.Parse(l).RootElement)
            .Select(p => MainlineNames.TryParseNode(p.GetProperty("ID").GetString()!, out var id) ? id : throw new InvalidDataException(p.ToString()))
            .ToList();
        Assert.InRange(ids.Count, 1, DelegatedRoutingEndpoints.MaxClosestPeers);
        Assert.Equal(ids.OrderBy(i => i.Xor(key)), ids);
    }

    [Fact]
    public async Task Peers_SwarmNodeByPeerId_ItsAddress()
    {
        var target = api.Swarm[9];

        using var response = await api.Http.GetAsync($"/routing/v1/peers/{MainlineNames.PeerId(target.Id)}");

        var peer = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("Peers")[0];
        Assert.Equal($"/ip4/127.0.0.1/udp/{target.LocalEndPoints[0].Port}", peer.GetProperty("Addrs")[0].GetString());
    }

    [Fact]
    public async Task Peers_Unknown_200Empty()
    {
        using var response = await api.Http.GetAsync($"/routing/v1/peers/{NodeId.Random()}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("{\"Peers\":[]}", await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("/routing/v1/providers/not-a-cid")]
    [InlineData("/routing/v1/providers/bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi")]
    [InlineData("/routing/v1/peers/12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN")]
    [InlineData("/routing/v1/dht/closest/peers/xyz")]
    public async Task UnreadableKey_422(string path)
    {
        using var response = await api.Http.GetAsync(path);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
    }

    [Fact]
    public async Task OversizedKey_Refused()
    {
        using var response = await api.Http.GetAsync($"/routing/v1/providers/b{new string('a', 3000)}");

        Assert.True((int)response.StatusCode is 414 or 422 or 431, $"got {response.StatusCode}");
    }

    [Fact]
    public async Task UnknownPath_400()
    {
        using var response = await api.Http.GetAsync("/routing/v1/nothing/here");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task Ipns_OnMainline_501BothMethods()
    {
        using var get = await api.Http.GetAsync("/routing/v1/ipns/k51qzi5uqu5dlvj2baxnqndepeb86cbk3ng7n3i46uzyxzyqj2xjonzllnv0v8");
        using var put = await api.Http.PutAsync("/routing/v1/ipns/k51qzi5uqu5dlvj2baxnqndepeb86cbk3ng7n3i46uzyxzyqj2xjonzllnv0v8", new ByteArrayContent([1, 2, 3]));

        Assert.Equal(HttpStatusCode.NotImplemented, get.StatusCode);
        Assert.Equal(HttpStatusCode.NotImplemented, put.StatusCode);
    }

    [Fact]
    public async Task Preflight_CorsHeaders()
    {
        using var request = new HttpRequestMessage(HttpMethod.Options, "/routing/v1/providers/x");
        request.Headers.Add("Origin", "https://example.org");
        request.Headers.Add("Access-Control-Request-Method", "GET");

        using var response = await api.Http.SendAsync(request);

        Assert.True(response.IsSuccessStatusCode);
        Assert.Equal("*", Single(response, "Access-Control-Allow-Origin"));
        Assert.Contains("GET", Single(response, "Access-Control-Allow-Methods"));
    }

    /// <summary>Each read endpoint, found and not found, in JSON and NDJSON.</summary>
    public static readonly TheoryData<string, string> ReadEndpoints = new()
    {
        { "providers/{known}", "application/json" }, { "providers/{known}", "application/x-ndjson" },
        { "providers/{random}", "application/json" }, { "providers/{random}", "application/x-ndjson" },
        { "peers/{node}", "application/json" }, { "peers/{node}", "application/x-ndjson" },
        { "peers/{random}", "application/json" }, { "peers/{random}", "application/x-ndjson" },
        { "dht/closest/peers/{random}", "application/json" }, { "dht/closest/peers/{random}", "application/x-ndjson" },
    };

    [Theory]
    [MemberData(nameof(ReadEndpoints))]
    public async Task ReadEndpoint_Answer_CorsVaryAndCacheControl(string path, string accept)
    {
        var known = NodeId.Random();
        if (path.Contains("{known}", StringComparison.Ordinal))
        {
            Assert.True((await api.Swarm[3].ProvideAsync(known, 6881)).Stored > 0);
        }

        string url = "/routing/v1/" + path.Replace("{known}", known.ToString(), StringComparison.Ordinal)
            .Replace("{random}", NodeId.Random().ToString(), StringComparison.Ordinal)
            .Replace("{node}", api.Swarm[5].Id.ToString(), StringComparison.Ordinal);
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Add("Accept", accept);
        request.Headers.Add("Origin", "http://example.com");

        using var response = await api.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(accept, response.Content.Headers.ContentType!.MediaType);
        Assert.Equal("*", Single(response, "Access-Control-Allow-Origin"));
        Assert.Contains("Accept", response.Headers.Vary);
        string cache = response.Headers.CacheControl!.ToString();
        Assert.Contains("public", cache);
        Assert.Matches(@"max-age=(15|300)\b", cache);
        Assert.Contains("stale-if-error=", cache);
    }

    private static string Single(HttpResponseMessage response, string header) =>
        response.Headers.TryGetValues(header, out var values) ? values.Single() : throw new InvalidDataException($"no {header}");
}
