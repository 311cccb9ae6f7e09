// The library's namespaces, named once for the whole project so that moving a type between
// library folders changes this file only.
global using DhtNet.Mainline;
global using DhtNet.Mainline.Bencode;
global using DhtNet.Mainline.Transport;
