// Bridges for the files other work moves next (Clock/, Simulation/, Transport/InMemory*, Routing/,
// Lookup/): they name these types from their old namespaces. Exact aliases, not namespace imports,
// so nothing else changes meaning; they go when those files move to DhtNet.Simulation and Kademlia/.
global using DatagramHandler = DhtNet.Mainline.Transport.DatagramHandler;
global using DhtNode = DhtNet.Mainline.DhtNode;
global using DhtOptions = DhtNet.Mainline.DhtOptions;
global using IDatagramTransport = DhtNet.Mainline.Transport.IDatagramTransport;
global using NodeIdSecurity = DhtNet.Mainline.Bep42.NodeIdSecurity;
global using TransportCounters = DhtNet.Mainline.Transport.TransportCounters;
global using UdpTransport = DhtNet.Mainline.Transport.UdpTransport;
global using UdpTransportOptions = DhtNet.Mainline.Transport.UdpTransportOptions;
