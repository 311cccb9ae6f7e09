using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using DhtNet.Cli.Input;
using DhtNet.Cli.Output;

namespace DhtNet.Cli.Api;

/// <summary>
/// One-shot commands run through a running `dht node --api`: the same work as a temporary node,
/// asked of a node that is already in the DHT (so a provide lasts as long as that node does).
/// The token, when the API needs one, comes from DHT_API_TOKEN.
/// </summary>
internal sealed class ApiClient : IDisposable
{
    public const string TokenVariable = "DHT_API_TOKEN";

    private readonly HttpClient _http;
    private readonly string _url;

    public ApiClient(string url, TimeSpan timeout)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            throw CliException.BadInput($"--api: expected the URL of a node's API such as http://127.0.0.1:5001, got '{url}'");
        }

        _url = uri.GetLeftPart(UriPartial.Authority);
        // The server's own deadline ends the lookup; the client waits a little longer for its answer.
        _http = new HttpClient { BaseAddress = new Uri(_url), Timeout = timeout + TimeSpan.FromSeconds(5) };
        if (Environment.GetEnvironmentVariable(TokenVariable) is { Length: > 0 } token)
        {
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        Timeout = timeout;
    }

    public TimeSpan Timeout { get; }

    /// <summary>POSTs an RPC command and yields its events; kubo-style errors become <see cref="CliException"/>.</summary>
    public async IAsyncEnumerable<JsonElement> RpcAsync(string command, string arg, string? extra = null, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        string query = $"/api/v0/{command}?arg={Uri.EscapeDataString(arg)}&timeout={(long)Timeout.TotalMilliseconds}ms{extra}";
        using var response = await SendAsync(new HttpRequestMessage(HttpMethod.Post, query), cancellationToken);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken));
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line.Length == 0)
            {
                continue;
            }

            var e = Parse(line);
            if (e.TryGetProperty("Type", out var type) && type.GetInt32() == (int)QueryEventType.QueryError)
            {
                throw new CliException(ExitCodes.Failed, $"{command}: {e.GetProperty("Extra").GetString()}");
            }

            yield return e;
        }
    }

    /// <summary>GETs a JSON document (the dashboard state).</summary>
    public async Task<JsonElement> GetJsonAsync(string path, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(new HttpRequestMessage(HttpMethod.Get, path), cancellationToken);
        return Parse(await response.Content.ReadAsStringAsync(cancellationToken));
    }

    public void Dispose() => _http.Dispose();

    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        }
        catch (HttpRequestException e)
        {
            throw new CliException(ExitCodes.Failed, $"--api {_url}: no node answers there ({e.Message}); start one with `dht node`");
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new CliException(ExitCodes.Failed, $"timed out after {Timeout.TotalSeconds:0.###} s (see --timeout)");
        }
        finally
        {
            request.Dispose();
        }

        if (response.IsSuccessStatusCode)
        {
            return response;
        }

        using (response)
        {
            string body = await response.Content.ReadAsStringAsync(cancellationToken);
            string message = body;
            try
            {
                message = Parse(body).GetProperty("Message").GetString() ?? body;
            }
            catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
            {
            }

            throw response.StatusCode switch
            {
                HttpStatusCode.Unauthorized => CliException.BadInput($"--api {_url}: {message} (set {TokenVariable})"),
                HttpStatusCode.BadRequest => CliException.BadInput(message),
                _ when message.Contains(ApiOperationException.NotFound, StringComparison.Ordinal) => new CliException(ExitCodes.NotFound, message),
                _ when message.Contains(ApiOperationException.DeadlineExceeded, StringComparison.Ordinal) => new CliException(ExitCodes.Failed, $"timed out after {Timeout.TotalSeconds:0.###} s (see --timeout)"),
                _ => new CliException(ExitCodes.Failed, message),
            };
        }
    }

    private static JsonElement Parse(string json)
    {
        try
        {
            return JsonDocument.Parse(json).RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new CliException(ExitCodes.Failed, $"the API answered something that is not JSON ({e.Message})");
        }
    }
}
