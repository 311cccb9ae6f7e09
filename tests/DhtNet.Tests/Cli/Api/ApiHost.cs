using System.Net;
using DhtNet.Cli.Api;
using Microsoft.Extensions.Logging.Abstractions;

namespace DhtNet.Tests.Cli.Api;

/// <summary>An <see cref="ApiNode"/> served on 127.0.0.1 (port 0) and an HTTP client for it, as the API fixtures use them.</summary>
internal sealed class ApiHost : IAsyncDisposable
{
    private readonly ApiServer _server;

    private ApiHost(ApiNode node, ApiServer server)
    {
        Node = node;
        _server = server;
        Http.BaseAddress = new Uri(server.Url);
    }

    public ApiNode Node { get; }

    public string Url => _server.Url;

    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(60) };

    public static async Task<ApiHost> StartAsync(ApiNode node) =>
        new(node, await ApiServer.StartAsync(new ApiSettings(new IPEndPoint(IPAddress.Loopback, 0), null), node, NullLoggerFactory.Instance));

    /// <summary>POSTs an RPC command and returns the status and the body's lines.</summary>
    public async Task<(HttpStatusCode Status, IReadOnlyList<string> Lines)> RpcAsync(string pathAndQuery, HttpContent? body = null)
    {
        using var response = await Http.PostAsync(pathAndQuery, body);
        string text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    /// <summary>Stops serving and disposes the API node (not the DHT nodes behind it).</summary>
    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _server.DisposeAsync();
        Node.Dispose();
    }
}
