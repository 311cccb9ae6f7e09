// A DHT node as a native executable (Native AOT): join, look up, provide and find providers, store
// and read back a signed BEP 44 item, keep the node's state in SQLite across a restart.
//   dotnet publish samples/NativeNode -c Release -r linux-x64 -o out
//   out/NativeNode 127.0.0.1:PORT        # a local swarm (`dht swarm --keep`); no argument: the public DHT
using System.Net;
using System.Text;
using DhtNet;
using DhtNet.Mainline;
using DhtNet.Persistence;
using DhtNet.Security;

var options = args.Length > 0
    ? new DhtOptions { Port = 0, BindAddresses = [IPAddress.Loopback], BootstrapNodes = [args[0]] }
    : new DhtOptions { Port = 0 };
string stateDirectory = Path.Combine(Path.GetTempPath(), $"nativenode-{Environment.ProcessId}");
try
{
    NodeId id;
    await using (var store = SqliteStateStore.Open(stateDirectory))
    {
        await using var node = new DhtNode(options with { StateStore = store });
        await node.StartAsync();
        id = node.Id;
        Console.WriteLine($"node {node.Id} on {string.Join(", ", node.LocalEndPoints)}, {node.RoutingTableSize} nodes known");

        var key = NodeId.Random();
        QueryResult closest = await node.QueryAsync(key);
        Console.WriteLine($"query: {closest.Nodes.Count} closest to {key}");

        var infoHash = NodeId.Random();
        var provided = await node.ProvideAsync(infoHash, 4040);
        int found = 0;
        await foreach (var provider in node.FindProvidersAsync(infoHash, maxProviders: 10))
        {
            found += provider.Port == 4040 ? 1 : 0;
        }

        Console.WriteLine($"provide: stored on {provided.Stored} nodes, found {found} provider(s)");

        // A mutable item (ed25519-signed through libsodium), bencoded as a byte string.
        var keyPair = Ed25519KeyPair.Generate();
        byte[] value = Encoding.ASCII.GetBytes("5:hello");
        var put = await node.PutAsync(keyPair, value, Encoding.ASCII.GetBytes("native"));
        var item = await node.GetAsync(put.Target, Encoding.ASCII.GetBytes("native"));
        bool same = item is not null && item.Value.Span.SequenceEqual(value);
        Console.WriteLine($"put: stored on {put.Stored} nodes; get: {(same ? "same value back" : "not found")}");

        if (closest.Nodes.Count == 0 || found == 0 || !same)
        {
            return 1;
        }
    }

    // The state store kept the node's id: a restart comes back as the same node.
    await using (var store = SqliteStateStore.Open(stateDirectory))
    {
        await using var again = new DhtNode(options with { StateStore = store });
        await again.StartAsync();
        Console.WriteLine($"restart: {(again.Id == id ? "same id" : "new id")}, {again.RoutingTableSize} nodes known");
        return again.Id == id ? 0 : 1;
    }
}
finally
{
    Directory.Delete(stateDirectory, recursive: true);
}
