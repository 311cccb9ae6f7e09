// An ASP.NET Core app with a DHT node and one endpoint: GET /closest/{key} -> the closest nodes as JSON.
//   dotnet run --project samples/LookupApi -- --urls http://127.0.0.1:5080 --DhtNet:BootstrapNodes=127.0.0.1:PORT
//   curl http://127.0.0.1:5080/closest/0123456789abcdef0123456789abcdef01234567
using DhtNet;
using DhtNet.Hosting;
using DhtNet.Mainline;

var builder = WebApplication.CreateSlimBuilder(args);
builder.Services.AddDhtNode();
builder.Services.ConfigureHttpJsonOptions(json => json.SerializerOptions.TypeInfoResolverChain.Insert(0, LookupJson.Default));
var app = builder.Build();

app.MapGet("/closest/{key}", async Task<IResult> (string key, DhtNode node, CancellationToken cancellationToken) =>
{
    if (!NodeId.TryParse(key, out var target))
    {
        return TypedResults.BadRequest(new LookupError($"key must be 40 hex digits, got '{key}'"));
    }

    var result = await node.QueryAsync(target, cancellationToken);
    return TypedResults.Ok(new ClosestNodes(
        target.ToString(),
        [.. result.Nodes.Select(n => new ClosestNode(n.Id.ToString(), n.EndPoint.ToString()))],
        result.Statistics.Queried,
        (long)result.Statistics.Elapsed.TotalMilliseconds));
});

app.Run();

internal sealed record ClosestNode(string Id, string EndPoint);

internal sealed record ClosestNodes(string Key, IReadOnlyList<ClosestNode> Nodes, int Queried, long ElapsedMs);

internal sealed record LookupError(string Error);

// Source-generated JSON, so the app trims and publishes AOT (CreateSlimBuilder is the AOT-ready host).
[System.Text.Json.Serialization.JsonSerializable(typeof(ClosestNodes))]
[System.Text.Json.Serialization.JsonSerializable(typeof(LookupError))]
internal sealed partial class LookupJson : System.Text.Json.Serialization.JsonSerializerContext;
