using System.Net;
using DhtNet.Cli.Api;
using Microsoft.Extensions.Logging.Abstractions;

namespace DhtNet.Tests.Cli.Api;

[Collection(ApiCollection.Name)]
public sealed class ServingTests(ApiFixture api)
{
    [Fact]
    public async Task Metrics_PrometheusText_HasNodeInstruments()
    {
        // A served query, so the counter has something to say.
        await api.Swarm[1].PingAsync(api.Node.LocalEndPoints[0]);

        string text = await api.Http.GetStringAsync("/metrics");

        Assert.Contains("dhtnet_routing_nodes{", text);
        Assert.Contains("http_server_request_duration_seconds", text);
        Assert.Matches("dhtnet_krpc_queries_served_total\\{[^}]*method=\"ping\"[^}]*\\} [1-9]", text);
    }

    [Fact]
    public async Task DashboardState_ShowsTableAndServedQueries()
    {
        await api.Swarm[4].PingAsync(api.Node.LocalEndPoints[0]);

        var state = System.Text.Json.JsonDocument.Parse(await api.Http.GetStringAsync("/api/dashboard/state")).RootElement;

        Assert.Equal("mainline", state.GetProperty("network").GetString());
        Assert.Equal(api.Node.Id.ToString(), state.GetProperty("id").GetString());
        int nodes = state.GetProperty("tables")[0].GetProperty("buckets").EnumerateArray().Sum(b => b.GetProperty("nodes").GetInt32());
        Assert.Equal(api.Node.RoutingTableSize, nodes);
        Assert.True(state.GetProperty("served").GetProperty("ping").GetInt64() >= 1);
    }

    [Fact]
    public async Task Token_MissingOrWrong_401_Right_200()
    {
        var settings = new ApiSettings(new IPEndPoint(IPAddress.Loopback, 0), "0123456789abcdef-token");
        await using var server = await ApiServer.StartAsync(settings, api.ApiNode, NullLoggerFactory.Instance);
        using var http = new HttpClient { BaseAddress = new Uri(server.Url) };

        using var none = await http.PostAsync("/api/v0/id", null);
        using var wrong = new HttpRequestMessage(HttpMethod.Post, "/api/v0/id") { Headers = { { "Authorization", "Bearer 0123456789abcdef-tokem" } } };
        using var wrongResponse = await http.SendAsync(wrong);
        using var right = new HttpRequestMessage(HttpMethod.Post, "/api/v0/id") { Headers = { { "Authorization", "Bearer 0123456789abcdef-token" } } };
        using var rightResponse = await http.SendAsync(right);
        using var metrics = await http.GetAsync("/metrics");
        using var state = await http.GetAsync("/api/dashboard/state");
        using var page = await http.GetAsync("/");

        Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, wrongResponse.StatusCode);
        Assert.Equal(HttpStatusCode.OK, rightResponse.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, metrics.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, state.StatusCode);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode); // the page holds no data; it passes ?token= on

    }
}
