// A DHT node inside a console app: join the network, look up the nodes closest to a key, leave.
//   dotnet run --project samples/ConsoleNode                          # the public Mainline DHT
//   dotnet run --project samples/ConsoleNode -- 127.0.0.1:PORT [KEY]  # a local swarm (`dht swarm --keep`)
using System.Net;
using DhtNet;
using DhtNet.Mainline;

var options = args.Length > 0
    // One bootstrap node on this machine: bind to loopback, any free port.
    ? new DhtOptions { Port = 0, BindAddresses = [IPAddress.Loopback], BootstrapNodes = [args[0]] }
    : new DhtOptions { Port = 0 };
var key = args.Length > 1 ? NodeId.Parse(args[1]) : NodeId.Random();

await using var node = new DhtNode(options);
await node.StartAsync();
Console.WriteLine($"node {node.Id} on {string.Join(", ", node.LocalEndPoints)}, {node.RoutingTableSize} nodes known");

QueryResult result = await node.QueryAsync(key);
Console.WriteLine($"{result.Nodes.Count} closest to {key} ({result.Statistics.Queried} queried):");
foreach (var closest in result.Nodes)
{
    Console.WriteLine($"  {closest.Id}  {closest.EndPoint}  ({closest.Id.CommonPrefixLength(key)} leading bits shared)");
}

return result.Nodes.Count > 0 ? 0 : 1;
