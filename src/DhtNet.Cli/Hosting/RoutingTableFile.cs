using System.Net;
using System.Text.Json;

namespace DhtNet.Cli.Hosting;

/// <summary>
/// The routing table `dht node --data-dir` keeps between runs: routing-table.json, a JSON object
/// {"id":"&lt;hex&gt;","nodes":[{"id":"&lt;hex&gt;","address":"ip:port"},...]}. Written atomically.
/// </summary>
internal sealed class RoutingTableFile(string directory)
{
    public const string FileName = "routing-table.json";

    // A full table holds a few thousand nodes; the bounds keep a damaged or foreign file harmless.
    private const int MaxNodes = 10_000;
    private const long MaxFileBytes = 4 * 1024 * 1024;

    public string Path { get; } = System.IO.Path.Combine(directory, FileName);

    /// <summary>The saved nodes; an empty list when there is no file. Throws <see cref="InvalidDataException"/> when it is damaged.</summary>
    public IReadOnlyList<NodeInfo> Load()
    {
        if (!File.Exists(Path))
        {
            return [];
        }

        if (new FileInfo(Path).Length > MaxFileBytes)
        {
            throw new InvalidDataException($"{Path} is larger than {MaxFileBytes} bytes");
        }

        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(Path));
            var nodes = new List<NodeInfo>();
            foreach (var entry in document.RootElement.GetProperty("nodes").EnumerateArray())
            {
                if (nodes.Count == MaxNodes)
                {
                    break;
                }

                if (NodeId.TryParse(entry.GetProperty("id").GetString(), out var id)
                    && IPEndPoint.TryParse(entry.GetProperty("address").GetString() ?? string.Empty, out var endPoint)
                    && endPoint.Port > 0)
                {
                    nodes.Add(new NodeInfo(id, endPoint));
                }
            }

            return nodes;
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new InvalidDataException($"{Path} is not a saved routing table ({e.Message})", e);
        }
    }

    /// <summary>Writes the nodes, replacing the file in one step so a crash never leaves half of it.</summary>
    public void Save(NodeId ourId, IReadOnlyList<NodeInfo> nodes)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
        string temporary = Path + ".tmp";
        using (var stream = File.Create(temporary))
        using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            writer.WriteStartObject();
            writer.WriteString("id", ourId.ToString());
            writer.WriteString("saved", DateTimeOffset.UtcNow);
            writer.WriteStartArray("nodes");
            foreach (var node in nodes.Take(MaxNodes))
            {
                writer.WriteStartObject();
                writer.WriteString("id", node.Id.ToString());
                writer.WriteString("address", node.EndPoint.ToString());
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        File.Move(temporary, Path, overwrite: true);
    }
}
