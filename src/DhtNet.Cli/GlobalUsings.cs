// The library's namespaces, named once for the whole project so that moving a type between
// library folders changes this file only.
global using DhtNet.Diagnostics;
global using DhtNet.Ipfs;
global using DhtNet.Ipfs.Blocks;
global using DhtNet.Ipfs.Bootstrap;
global using DhtNet.Ipfs.Messages;
global using DhtNet.Ipfs.Records;
global using DhtNet.Kademlia;
global using DhtNet.LibP2p;
global using DhtNet.LibP2p.Crypto;
global using DhtNet.LibP2p.Host;
global using DhtNet.LibP2p.Multiformats;
global using DhtNet.Mainline;
global using DhtNet.Mainline.Bencode;
global using DhtNet.Mainline.Bep33;
global using DhtNet.Mainline.Bep42;
global using DhtNet.Mainline.Bep44;
global using DhtNet.Mainline.Bep51;
global using DhtNet.Mainline.Transport;
global using DhtNet.Persistence;
global using DhtNet.Security;
