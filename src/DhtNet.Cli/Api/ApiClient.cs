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

    /// <summary>
    /// POSTs an RPC command to the node's <paramref name="network"/> (named in the request, so a node running both
    /// answers on the one asked) and yields its events; <paramref name="body"/> is the file a put sends. A query-error
    /// event and kubo-style errors become <see cref="CliException"/>.
    /// </summary>
    public async IAsyncEnumerable<JsonElement> RpcAsync(
        string command,
        string arg,
        DhtNetworks network,
        string? extra = null,
        byte[]? body = null,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        string name = network == DhtNetworks.Ipfs ? Networks.IpfsName : Networks.MainlineName;
        string query = $"/api/v0/{command}?arg={Uri.EscapeDataString(arg)}&network={name}&timeout={(long)Timeout.TotalMilliseconds}ms{extra}";
        var request = new HttpRequestMessage(HttpMethod.Post, query);
        if (body is not null)
        {
            request.Content = new ByteArrayContent(body);
        }

        using var response = await SendAsync(request, cancellationToken);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken));
        while (await ReadLineAsync(reader, cancellationToken) is { } line)
        {
            if (line.Length == 0)
            {
                continue;
            }

            // A query error naming a peer says that peer did not answer (the lookup went on); one naming
            // no peer ends the operation.
            var e = Parse(line);
            if (Type(e) == QueryEventType.QueryError && !(e.TryGetProperty("ID", out var peer) && peer.ValueKind == JsonValueKind.String && peer.GetString()!.Length > 0))
            {
                string message = e.TryGetProperty("Extra", out var extraText) && extraText.ValueKind == JsonValueKind.String ? extraText.GetString()! : "query error";
                throw message.Contains(ApiOperationException.DeadlineExceeded, StringComparison.Ordinal)
                    ? TimedOut()
                    : new CliException(message.Contains(ApiOperationException.NotFound, StringComparison.Ordinal) ? ExitCodes.NotFound : ExitCodes.Failed, $"{command}: {message}");
            }

            yield return e;
        }
    }

    /// <summary>The type of an event; a line without one is not an event of this API.</summary>
    public static QueryEventType Type(JsonElement e) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty("Type", out var type) && type.ValueKind == JsonValueKind.Number && type.TryGetInt32(out int value)
            ? (QueryEventType)value
            : throw new CliException(ExitCodes.Failed, "the API answered a line that is not a query event");

    /// <summary>GETs (or with <paramref name="post"/>, POSTs as the RPC wants) a JSON document: the dashboard state, /api/v0/id.</summary>
    public async Task<JsonElement> GetJsonAsync(string path, CancellationToken cancellationToken, bool post = false)
    {
        using var response = await SendAsync(new HttpRequestMessage(post ? HttpMethod.Post : HttpMethod.Get, path), cancellationToken);
        return Parse(await ReadBoundedAsync(response, cancellationToken));
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
            throw TimedOut();
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
            string body = await ReadBoundedAsync(response, cancellationToken);
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
                HttpStatusCode.Unauthorized => CliException.BadInput($"--api {_url}: {message} (set {TokenVariable} to the node's --api-token)"),
                HttpStatusCode.BadRequest => CliException.BadInput($"--api {_url} refused the request: {message}"),
                _ when message.Contains(ApiOperationException.NotFound, StringComparison.Ordinal) => new CliException(ExitCodes.NotFound, message),
                _ when message.Contains(ApiOperationException.DeadlineExceeded, StringComparison.Ordinal) => TimedOut(),
                _ => new CliException(ExitCodes.Failed, message),
            };
        }
    }

    /// <summary>The answer to a timed-out request; <see cref="IsTimeout"/> tells it apart.</summary>
    private CliException TimedOut() => new(ExitCodes.Failed, $"{TimedOutText} {Timeout.TotalSeconds:0.###} s (see --timeout)");

    private const string TimedOutText = "timed out after";

    /// <summary>Whether <paramref name="e"/> says the request ran out of time (a search then ends with what it found).</summary>
    public static bool IsTimeout(CliException e) => e.Message.StartsWith(TimedOutText, StringComparison.Ordinal);

    // A line or a document from the node is bounded: whatever answers at the URL cannot make the client buffer without end.
    private const int MaxAnswer = 4 * 1024 * 1024;

    private static async Task<string?> ReadLineAsync(StreamReader reader, CancellationToken cancellationToken)
    {
        var line = new System.Text.StringBuilder();
        var one = new char[1];
        while (true)
        {
            if (await reader.ReadAsync(one, cancellationToken) == 0)
            {
                return line.Length == 0 ? null : line.ToString();
            }

            if (one[0] == '\n')
            {
                return line.ToString();
            }

            if (line.Length >= MaxAnswer)
            {
                throw new CliException(ExitCodes.Failed, $"the API answered a line longer than {MaxAnswer} characters");
            }

            line.Append(one[0]);
        }
    }

    private static async Task<string> ReadBoundedAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken));
        var text = new System.Text.StringBuilder();
        var buffer = new char[16 * 1024];
        int read;
        while ((read = await reader.ReadAsync(buffer, cancellationToken)) > 0)
        {
            if (text.Length + read > MaxAnswer)
            {
                throw new CliException(ExitCodes.Failed, $"the API answered more than {MaxAnswer} characters");
            }

            text.Append(buffer, 0, read);
        }

        return text.ToString();
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
