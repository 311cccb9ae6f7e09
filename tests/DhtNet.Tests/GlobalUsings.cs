// The library's namespaces, named once for the whole project so that moving a type between
// library folders changes this file only.
global using DhtNet.Bencode;
global using DhtNet.Clock;
global using DhtNet.Internal;
global using DhtNet.Krpc;
global using DhtNet.LibP2p;
global using DhtNet.LibP2p.Crypto;
global using DhtNet.LibP2p.Host;
global using DhtNet.LibP2p.Identify;
global using DhtNet.LibP2p.Multiformats;
global using DhtNet.LibP2p.Multistream;
global using DhtNet.LibP2p.Noise;
global using DhtNet.LibP2p.Ping;
global using DhtNet.LibP2p.Transport.Tcp;
global using DhtNet.LibP2p.Yamux;
global using DhtNet.Lookup;
global using DhtNet.Routing;
global using DhtNet.Security;
global using DhtNet.Simulation;
global using DhtNet.Storage;
global using DhtNet.Transport;
