using System.Net;

namespace DhtNet.Tests.Cli.Api;

/// <summary>Every endpoint fed malformed and oversized input answers 4xx naming the argument, and the node keeps serving.</summary>
[Collection(ApiCollection.Name)]
public sealed class BadInputTests(ApiFixture api)
{
    public static readonly TheoryData<string> KeyCommands = new()
    {
        "/api/v0/dht/findprovs", "/api/v0/routing/findprovs", "/api/v0/dht/provide", "/api/v0/routing/provide",
        "/api/v0/dht/findpeer", "/api/v0/routing/findpeer", "/api/v0/dht/query",
    };

    public static readonly TheoryData<string> AllCommands = new()
    {
        "/api/v0/dht/findprovs", "/api/v0/routing/findprovs", "/api/v0/dht/provide", "/api/v0/routing/provide",
        "/api/v0/dht/findpeer", "/api/v0/routing/findpeer", "/api/v0/dht/query",
        "/api/v0/dht/get", "/api/v0/routing/get", "/api/v0/dht/put", "/api/v0/routing/put",
    };

    private static readonly string ValidKey = new('a', 40);

    [Theory]
    [MemberData(nameof(AllCommands))]
    public async Task Command_NoArg_Http400NamingArg(string command)
    {
        var (status, lines) = await api.RpcAsync(command);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        RpcEndpointTests.AssertError(lines, "arg", 1);
    }

    [Theory]
    [MemberData(nameof(AllCommands))]
    public async Task Command_TooManyArgs_Http400NamingArg(string command)
    {
        string query = string.Join('&', Enumerable.Repeat($"arg={ValidKey}", 9));

        var (status, lines) = await api.RpcAsync($"{command}?{query}");

        Assert.Equal(HttpStatusCode.BadRequest, status);
        RpcEndpointTests.AssertError(lines, "arg", 1);
    }

    [Theory]
    [MemberData(nameof(AllCommands))]
    public async Task Command_OversizedArg_Http400NamingArg(string command)
    {
        var (status, lines) = await api.RpcAsync($"{command}?arg={new string('b', 600)}");

        Assert.Equal(HttpStatusCode.BadRequest, status);
        RpcEndpointTests.AssertError(lines, "arg", 1);
    }

    [Theory]
    [MemberData(nameof(KeyCommands))]
    public async Task Command_MalformedKey_Http400NamingArg(string command)
    {
        foreach (string key in new[] { "zz", new string('a', 39), new string('g', 40), "bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi", "%00%ff", "12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN" })
        {
            var (status, lines) = await api.RpcAsync($"{command}?arg={key}");

            Assert.Equal(HttpStatusCode.BadRequest, status);
            RpcEndpointTests.AssertError(lines, "arg", 1);
        }
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("-1s")]
    [InlineData("0s")]
    [InlineData("11m")]
    [InlineData("5x")]
    [InlineData("99999999999999999999h")]
    public async Task Command_BadTimeout_Http400NamingTimeout(string timeout)
    {
        var (status, lines) = await api.RpcAsync($"/api/v0/dht/findprovs?arg={ValidKey}&timeout={timeout}");

        Assert.Equal(HttpStatusCode.BadRequest, status);
        RpcEndpointTests.AssertError(lines, "timeout", 1);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-3")]
    [InlineData("1001")]
    [InlineData("ten")]
    [InlineData("99999999999999999999")]
    public async Task FindProviders_BadCount_Http400NamingNumProviders(string count)
    {
        var (status, lines) = await api.RpcAsync($"/api/v0/routing/findprovs?arg={ValidKey}&num-providers={count}");

        Assert.Equal(HttpStatusCode.BadRequest, status);
        RpcEndpointTests.AssertError(lines, "num-providers", 1);
    }

    [Fact]
    public async Task Put_OversizedBody_Refused()
    {
        using var form = new MultipartFormDataContent { { new ByteArrayContent(new byte[64 * 1024]), "file", "value" } };

        // Kestrel refuses by Content-Length at once and may close while the client still sends:
        // a 413 or a cut connection are both a refusal.
        try
        {
            var (status, _) = await api.RpcAsync("/api/v0/dht/put?arg=big", form);
            Assert.True(status is HttpStatusCode.BadRequest or HttpStatusCode.RequestEntityTooLarge, $"got {status}");
        }
        catch (HttpRequestException e) when (e.InnerException is IOException)
        {
        }

        var (after, _) = await api.RpcAsync("/api/v0/id");
        Assert.Equal(HttpStatusCode.OK, after);
    }

    [Fact]
    public async Task Put_ValueOverBep44Limit_Http400NamingValue()
    {
        using var form = new MultipartFormDataContent { { new ByteArrayContent(new byte[1000]), "file", "value" } };

        var (status, lines) = await api.RpcAsync("/api/v0/dht/put?arg=big", form);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        RpcEndpointTests.AssertError(lines, "value", 1);
    }

    [Fact]
    public async Task Put_MalformedMultipart_Http400NamingValue()
    {
        using var body = new StringContent("--xyz\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nabc");
        body.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse("multipart/form-data; boundary=xyz");

        var (status, _) = await api.RpcAsync("/api/v0/dht/put?arg=name", body);

        Assert.Equal(HttpStatusCode.BadRequest, status);
    }

    [Theory]
    [InlineData("/api/v0/dht/findprovs")]
    [InlineData("/api/v0/routing/put")]
    public async Task Command_Get_MethodNotAllowed(string command)
    {
        using var response = await api.Http.GetAsync($"{command}?arg={ValidKey}");

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
    }

    [Fact]
    public async Task UnknownCommand_Http404KuboError()
    {
        var (status, lines) = await api.RpcAsync("/api/v0/dht/nonsense");

        Assert.Equal(HttpStatusCode.NotFound, status);
        RpcEndpointTests.AssertError(lines, "no such command", 1);
    }

    [Fact]
    public async Task HugeRequestLine_RefusedByKestrel_NodeStillServes()
    {
        var (status, _) = await api.RpcAsync($"/api/v0/dht/query?arg={new string('c', 8000)}");
        var (after, _) = await api.RpcAsync("/api/v0/id");

        Assert.True((int)status is 400 or 414 or 431, $"got {status}");
        Assert.Equal(HttpStatusCode.OK, after);
    }

    [Fact]
    public async Task RandomGarbage_ManyRequests_NoInternalErrorAndNodeStillServes()
    {
        var random = new Random(12);
        string[] paths = ["/api/v0/dht/findprovs", "/api/v0/dht/get", "/api/v0/routing/put", "/routing/v1/providers/", "/routing/v1/peers/", "/routing/v1/dht/closest/peers/"];
        for (int i = 0; i < 200; i++)
        {
            var bytes = new byte[random.Next(1, 80)];
            random.NextBytes(bytes);
            string junk = Uri.EscapeDataString(Convert.ToBase64String(bytes));
            string path = paths[random.Next(paths.Length)];
            using var request = new HttpRequestMessage(path.StartsWith("/api") ? HttpMethod.Post : HttpMethod.Get, path.EndsWith('/') ? path + junk : $"{path}?arg={junk}&timeout=50ms");
            using var response = await api.Http.SendAsync(request);
            // "internal error" is what an unexpected exception becomes: none may occur.
            Assert.DoesNotContain("internal error", await response.Content.ReadAsStringAsync());
        }

        var (after, _) = await api.RpcAsync("/api/v0/id");
        Assert.Equal(HttpStatusCode.OK, after);
    }
}
