using DhtNet.LibP2p;

namespace DhtNet.Ipfs.Blocks;

/// <summary>A block of content-addressed data and the CID that names it (the CID's multihash is the hash of <see cref="Data"/>).</summary>
/// <param name="Cid">The block's name.</param>
/// <param name="Data">The block's bytes.</param>
public sealed record Block(Cid Cid, ReadOnlyMemory<byte> Data);
