namespace DhtNet.Benchmarks;

/// <summary>The two sides the API benchmarks compare: a provider lookup through the library, and the same through HTTP.</summary>
internal static class ApiRequests
{
    /// <summary>Runs the lookup to its end; it must find exactly one provider.</summary>
    public static async Task<int> FindOneAsync<T>(IAsyncEnumerable<T> providers)
    {
        int found = 0;
        await foreach (var _ in providers)
        {
            found++;
        }

        return found == 1 ? found : throw new InvalidOperationException("the provider was not found");
    }

    /// <summary>POSTs <paramref name="request"/>; the answer must be a success naming <paramref name="expected"/>.</summary>
    public static async Task<int> PostAsync(HttpClient http, string request, string expected)
    {
        using var response = await http.PostAsync(request, null);
        string body = await response.Content.ReadAsStringAsync();
        return response.IsSuccessStatusCode && body.Contains(expected, StringComparison.Ordinal)
            ? body.Length
            : throw new InvalidOperationException($"findprovs answered {response.StatusCode}: {body}");
    }
}
