// The library's namespaces, named once for the whole project so that moving a type between
// library folders changes this file only.
global using DhtNet.Bencode;
global using DhtNet.Lookup;
global using DhtNet.Security;
global using DhtNet.Simulation;
global using DhtNet.Transport;
