using System.Text.Json;

namespace DhtNet.Tests.LibP2p;

/// <summary>The values js-libp2p produced for the same inputs (Vectors/README.md says how), as xunit theory data.</summary>
internal static class JsVectors
{
    private static readonly Lazy<JsonElement> Root = new(() =>
        // Copied beside the test assembly: a CI build maps source paths away (deterministic paths), so the source folder is not at hand.
        JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "LibP2p", "Vectors", "js-vectors.json"))).RootElement);

    public static TheoryData<string, string, string, string> Keys() =>
        Rows("keys", e => (S(e, "publicKey"), S(e, "peerId"), S(e, "cid"), S(e, "cidBase36")));

    public static TheoryData<string, string, string?, string, string> Signatures() =>
        Rows("signatures", e => (S(e, "type"), S(e, "publicKey"), e.GetProperty("peerId").GetString(), S(e, "message"), S(e, "signature")));

    public static TheoryData<string, string, string> PrivateKeys() =>
        Rows("privateKeys", e => (S(e, "privateKey"), S(e, "publicKey"), S(e, "peerId")));

    public static TheoryData<string, string, string> Multiaddrs() =>
        Rows("multiaddrs", e => (S(e, "text"), S(e, "bytes"), S(e, "canonical")));

    public static TheoryData<string, string, string, string> Cids() =>
        Rows("cids", e => (S(e, "text"), S(e, "bytes"), S(e, "base36"), S(e, "v1")));

    private static string S(JsonElement e, string name) => e.GetProperty(name).GetString()!;

    private static TheoryData<T1, T2, T3> Rows<T1, T2, T3>(string name, Func<JsonElement, (T1, T2, T3)> row)
    {
        var data = new TheoryData<T1, T2, T3>();
        foreach (var e in Root.Value.GetProperty(name).EnumerateArray())
        {
            var (a, b, c) = row(e);
            data.Add(a, b, c);
        }

        return data;
    }

    private static TheoryData<T1, T2, T3, T4> Rows<T1, T2, T3, T4>(string name, Func<JsonElement, (T1, T2, T3, T4)> row)
    {
        var data = new TheoryData<T1, T2, T3, T4>();
        foreach (var e in Root.Value.GetProperty(name).EnumerateArray())
        {
            var (a, b, c, d) = row(e);
            data.Add(a, b, c, d);
        }

        return data;
    }

    private static TheoryData<T1, T2, T3, T4, T5> Rows<T1, T2, T3, T4, T5>(string name, Func<JsonElement, (T1, T2, T3, T4, T5)> row)
    {
        var data = new TheoryData<T1, T2, T3, T4, T5>();
        foreach (var e in Root.Value.GetProperty(name).EnumerateArray())
        {
            var (a, b, c, d, f) = row(e);
            data.Add(a, b, c, d, f);
        }

        return data;
    }

    // The JSON sits beside this source file; tests run from the tree they were built in.
}
