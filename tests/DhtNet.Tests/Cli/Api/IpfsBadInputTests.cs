using System.Net;
using System.Net.Http.Headers;
using DhtNet.Cli.Api;

namespace DhtNet.Tests.Cli.Api;

/// <summary>
/// The API of a node on the IPFS DHT fed missing, repeated, oversized and malformed arguments and bodies on every
/// command that takes them (the IPFS-only ones too): HTTP 400 naming the argument, and the node keeps serving; a
/// deadline that runs out before anything is found is kubo's "context deadline exceeded".
/// </summary>
[Collection(IpfsApiCollection.Name)]
public sealed class IpfsBadInputTests(IpfsApiFixture api)
{
    private const string Cid = "QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o";

    /// <summary>Every command that reads <c>arg</c>, with an argument it would take.</summary>
    public static readonly TheoryData<string, string> ArgCommands = new()
    {
        { "/api/v0/dht/findprovs", Cid }, { "/api/v0/routing/findprovs", Cid },
        { "/api/v0/dht/provide", Cid }, { "/api/v0/routing/provide", Cid },
        { "/api/v0/dht/findpeer", "12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN" }, { "/api/v0/routing/findpeer", "12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN" },
        { "/api/v0/dht/query", Cid },
        { "/api/v0/dht/get", "/ipns/12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN" }, { "/api/v0/routing/get", "/ipns/12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN" },
        { "/api/v0/block/get", Cid }, { "/api/v0/block/stat", Cid },
        { "/api/v0/name/publish", $"/ipfs/{Cid}" }, { "/api/v0/name/resolve", "12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN" },
        { "/api/v0/swarm/connect", "/ip4/127.0.0.1/tcp/4001/p2p/12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN" },
    };

    [Theory]
    [MemberData(nameof(ArgCommands))]
    public async Task Command_OversizedArg_Http400NamingArg(string command, string valid)
    {
        // A well-formed argument padded past the bound: refused by its length before any parsing.
        var (status, lines) = await api.RpcAsync($"{command}?arg={Uri.EscapeDataString(valid + new string('a', 600))}");

        Assert.Equal(HttpStatusCode.BadRequest, status);
        RpcEndpointTests.AssertError(lines, "arg: at most 512 characters", 1);
    }

    [Theory]
    [MemberData(nameof(ArgCommands))]
    public async Task Command_TooManyArgs_Http400NamingArg(string command, string valid)
    {
        string query = string.Join('&', Enumerable.Repeat($"arg={Uri.EscapeDataString(valid)}", 9));

        var (status, lines) = await api.RpcAsync($"{command}?{query}");

        Assert.Equal(HttpStatusCode.BadRequest, status);
        RpcEndpointTests.AssertError(lines, "arg:", 1);
    }

    [Theory]
    [MemberData(nameof(ArgCommands))]
    public async Task Command_MalformedArg_Http400NamingArg(string command, string valid)
    {
        Assert.NotEmpty(valid);
        foreach (string malformed in new[] { "%00", "%ff%fe", "/ipns/", "Qm", "bafy", "/p2p/", "12D3KooW", new string('z', 100) })
        {
            var (status, lines) = await api.RpcAsync($"{command}?arg={malformed}");

            Assert.True(status == HttpStatusCode.BadRequest, $"{command}?arg={malformed}: {status}");
            RpcEndpointTests.AssertError(lines, "arg", 1);
        }
    }

    [Theory]
    [InlineData("/api/v0/block/put", "data")]
    [InlineData("/api/v0/dht/put?arg=/ipns/12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN", "value")]
    [InlineData("/api/v0/routing/put?arg=/pk/12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN", "value")]
    public async Task Upload_OneByteOverItsBound_Http400NamingItAndNodeStillServes(string command, string argument)
    {
        // The bounds: a block as the store takes it, a record as the largest IPNS record (add has its own test).
        int bound = argument == "data" ? api.Network.Blocks.Options.MaxBlockSize : RpcEndpoints.MaxPutBody;

        var (status, lines) = await api.RpcAsync(command, IpfsApiFixture.File(new byte[bound + 1]));

        Assert.Equal(HttpStatusCode.BadRequest, status);
        RpcEndpointTests.AssertError(lines, $"{argument}: at most {bound} bytes", 1);
        using var id = await api.Http.PostAsync("/api/v0/id", null);
        Assert.Equal(HttpStatusCode.OK, id.StatusCode);
    }

    [Theory]
    [InlineData("/api/v0/block/put")]
    [InlineData("/api/v0/routing/put?arg=/pk/12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN")]
    public async Task Upload_MalformedMultipart_Http400(string command)
    {
        using var body = new ByteArrayContent("--xyz\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nno closing boundary"u8.ToArray());
        body.Headers.ContentType = MediaTypeHeaderValue.Parse("multipart/form-data; boundary=xyz");

        var (status, _) = await api.RpcAsync(command, body);

        Assert.Equal(HttpStatusCode.BadRequest, status);
    }

    [Theory]
    [InlineData("/api/v0/routing/findprovs?arg=" + Cid)]
    [InlineData("/api/v0/dht/findprovs?arg=" + Cid)]
    [InlineData("/api/v0/routing/findpeer?arg=12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN")]
    [InlineData("/api/v0/routing/get?arg=/ipns/12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN")]
    public async Task Lookup_TimeoutBeforeAnything_ContextDeadlineExceeded(string request)
    {
        var (status, lines) = await api.RpcAsync($"{request}&timeout=1ns");

        Assert.Equal(HttpStatusCode.InternalServerError, status);
        RpcEndpointTests.AssertError(lines, "context deadline exceeded", 0);
    }
}
