using System.Globalization;
using System.Net;
using System.Text.Json;
using Spectre.Console;

namespace DhtNet.Cli.Output;

/// <summary>How values look in text and JSON output, so every command writes them alike.</summary>
internal static class Display
{
    /// <summary>"1.2.3.4:6881" or "[::1]:6881".</summary>
    public static string Address(IPEndPoint endPoint) => endPoint.ToString();

    /// <summary>Text made safe to put inside Spectre markup ("[::1]" would read as a style).</summary>
    public static string Escape(string text) => Markup.Escape(text);

    public static string Hex(ReadOnlyMemory<byte> bytes) => Convert.ToHexStringLower(bytes.Span);

    public static long Milliseconds(TimeSpan elapsed) => (long)Math.Round(elapsed.TotalMilliseconds);

    /// <summary>"12 ms" or "1.4 s".</summary>
    public static string Duration(TimeSpan elapsed) => elapsed.TotalSeconds < 1
        ? $"{elapsed.TotalMilliseconds.ToString("0.#", CultureInfo.InvariantCulture)} ms"
        : $"{elapsed.TotalSeconds.ToString("0.0#", CultureInfo.InvariantCulture)} s";

    /// <summary>"1 node", "3 nodes"; <paramref name="plural"/> when adding "s" is wrong.</summary>
    public static string Count(long count, string singular, string? plural = null) =>
        $"{count} {(count == 1 ? singular : plural ?? singular + "s")}";

    /// <summary>A table in the style every command uses; every column has a header.</summary>
    public static Table Table(params string[] columns)
    {
        var table = new Table().Border(TableBorder.Rounded).BorderColor(Color.Grey);
        foreach (string column in columns)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(column, nameof(columns));
            table.AddColumn(new TableColumn($"[bold]{Markup.Escape(column)}[/]"));
        }

        return table;
    }

    /// <summary>Adds a row of plain text cells (escaped for markup).</summary>
    public static Table Row(this Table table, params string[] cells)
    {
        table.AddRow(Array.ConvertAll(cells, c => new Markup(Markup.Escape(c))));
        return table;
    }

    /// <summary>Writes "id" and "address" of a node.</summary>
    public static void WriteNode(Utf8JsonWriter writer, NodeInfo node)
    {
        writer.WriteString("id", node.Id.ToString());
        writer.WriteString("address", Address(node.EndPoint));
    }

    /// <summary>Writes "peerId" and "addrs" of an IPFS peer: full multiaddrs ending in /p2p/&lt;peer id&gt;.</summary>
    public static void WritePeer(Utf8JsonWriter writer, PeerId peer, IReadOnlyList<Multiaddr> addresses)
    {
        writer.WriteString("peerId", peer.ToString());
        writer.WriteStartArray("addrs");
        foreach (var address in addresses)
        {
            writer.WriteStringValue(address.WithPeerId(peer).ToString());
        }

        writer.WriteEndArray();
    }

    /// <inheritdoc cref="WritePeer(Utf8JsonWriter, PeerId, IReadOnlyList{Multiaddr})"/>
    public static void WritePeer(Utf8JsonWriter writer, Ipfs.PeerInfo peer) => WritePeer(writer, peer.Id, peer.Multiaddrs);

    /// <summary>A peer's addresses for a person: comma separated, without the /p2p/ part (the peer id is shown beside them).</summary>
    public static string Addresses(IReadOnlyList<Multiaddr> addresses) => addresses.Count == 0 ? "(no address)" : string.Join(", ", addresses.Select(a => a.WithoutPeerId()));

    /// <summary>"23 queried, 20 answered, 140 ms".</summary>
    public static string Cost(int queried, int answered, TimeSpan elapsed) => $"{queried} queried, {answered} answered, {Duration(elapsed)}";
}
