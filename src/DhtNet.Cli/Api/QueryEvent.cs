using System.Text.Json;

namespace DhtNet.Cli.Api;

/// <summary>The routing query event types of the IPFS HTTP API (kubo's routing.QueryEventType).</summary>
internal enum QueryEventType
{
    SendingQuery = 0,
    PeerResponse = 1,
    FinalPeer = 2,
    QueryError = 3,
    Provider = 4,
    Value = 5,
    AddingPeer = 6,
    DialingPeer = 7,
}

/// <summary>A peer as the RPC events name it: a peer id text and its multiaddrs.</summary>
internal sealed record ApiPeer(string Id, IReadOnlyList<string> Addrs);

/// <summary>
/// One line of an /api/v0/dht or /api/v0/routing response:
/// <c>{"ID","Type","Responses":[{"ID","Addrs"}],"Extra"}</c>, the shape kubo writes and both
/// JavaScript clients read.
/// </summary>
internal sealed record QueryEvent(QueryEventType Type, string Id = "", IReadOnlyList<ApiPeer>? Responses = null, string Extra = "")
{
    public void WriteTo(Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        writer.WriteString("ID"u8, Id);
        writer.WriteNumber("Type"u8, (int)Type);
        writer.WritePropertyName("Responses"u8);
        if (Responses is null)
        {
            writer.WriteNullValue();
        }
        else
        {
            writer.WriteStartArray();
            foreach (var peer in Responses)
            {
                WritePeer(writer, peer);
            }

            writer.WriteEndArray();
        }

        writer.WriteString("Extra"u8, Extra);
        writer.WriteEndObject();
    }

    public static void WritePeer(Utf8JsonWriter writer, ApiPeer peer)
    {
        writer.WriteStartObject();
        writer.WriteString("ID"u8, peer.Id);
        writer.WriteStartArray("Addrs"u8);
        foreach (var address in peer.Addrs)
        {
            writer.WriteStringValue(address);
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }
}
