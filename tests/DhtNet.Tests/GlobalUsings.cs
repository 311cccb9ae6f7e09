// The library's namespaces, named once for the whole project so that moving a type between
// library folders changes this file only.
global using DhtNet.Bencode;
global using DhtNet.Hosting;
global using DhtNet.Internal;
global using DhtNet.Krpc;
global using DhtNet.LibP2p;
global using DhtNet.LibP2p.Crypto;
global using DhtNet.LibP2p.Multiformats;
global using DhtNet.Lookup;
global using DhtNet.OpenTelemetry;
global using DhtNet.Routing;
global using DhtNet.Security;
global using DhtNet.Simulation;
global using DhtNet.Storage;
global using DhtNet.Transport;
