using System.Buffers;
using DhtNet.LibP2p;
using DhtNet.LibP2p.Multiformats;
using DhtNet.LibP2p.Protobuf;

namespace DhtNet.Ipfs.Blocks;

/// <summary>
/// Small files and empty directories as UnixFS blocks, with the CIDs kubo gives them: a file of at most one
/// chunk (<see cref="MaxChunkSize"/>, kubo's default chunker) is a single dag-pb leaf (CIDv0 by default) or,
/// with raw leaves, a raw block (always CIDv1, as kubo makes it).
/// </summary>
public static class UnixFs
{
    /// <summary>kubo's default chunk size (size-262144): a file up to this long is one block.</summary>
    public const int MaxChunkSize = 256 * 1024;

    // UnixFS Data.DataType values (unixfs.proto).
    private const ulong DirectoryType = 1;
    private const ulong FileType = 2;

    /// <summary>The empty UnixFS directory (<c>ipfs object new unixfs-dir</c>): QmUNLLsPACCz1vLxQVkXqqLX5R1X345qqfHbsf67hvA3Nn.</summary>
    public static Block EmptyDirectory { get; } = DagPb(UnixFsData(DirectoryType, [], null), 0);

    /// <summary>The empty dag-pb node (<c>ipfs object new</c>): QmdfTbBqBPQ7VNxZEYEj14VmRuZBkqFbiwReogJgS1zR1n.</summary>
    public static Block EmptyNode { get; } = DagPb([], 0);

    /// <summary>
    /// The block kubo's <c>ipfs add</c> makes of <paramref name="content"/>: <paramref name="cidVersion"/> 0 or 1;
    /// <paramref name="rawLeaves"/> null for kubo's default (raw leaves with CIDv1 only).
    /// </summary>
    /// <exception cref="ArgumentException">The content is longer than one chunk, or the CID version is not 0 or 1.</exception>
    public static Block AddFile(ReadOnlySpan<byte> content, int cidVersion = 0, bool? rawLeaves = null)
    {
        if (content.Length > MaxChunkSize)
        {
            throw new ArgumentException($"The content is {content.Length} bytes; one chunk is at most {MaxChunkSize}.", nameof(content));
        }

        if (cidVersion is not (0 or 1))
        {
            throw new ArgumentException($"CID version {cidVersion}: only 0 and 1 exist.", nameof(cidVersion));
        }

        if (rawLeaves ?? cidVersion == 1)
        {
            // A raw block cannot be named by a CIDv0 (always dag-pb): kubo gives the leaf a CIDv1 whatever was asked.
            return new Block(Cid.Hash(content, Multicodec.Raw), content.ToArray());
        }

        return DagPb(UnixFsData(FileType, content, (ulong)content.Length), cidVersion);
    }

    private static byte[] UnixFsData(ulong type, ReadOnlySpan<byte> data, ulong? fileSize)
    {
        var buffer = new ArrayBufferWriter<byte>(data.Length + 16);
        var writer = new ProtobufWriter(buffer);
        writer.WriteVarint(1, type);
        if (!data.IsEmpty)
        {
            writer.WriteBytes(2, data);
        }

        if (fileSize is { } size)
        {
            writer.WriteVarint(3, size);
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>A dag-pb node without links: PBNode.Data (field 1) only, present when not empty.</summary>
    private static Block DagPb(byte[] data, int cidVersion)
    {
        var buffer = new ArrayBufferWriter<byte>(data.Length + 8);
        if (data.Length > 0)
        {
            new ProtobufWriter(buffer).WriteBytes(1, data);
        }

        byte[] node = buffer.WrittenSpan.ToArray();
        var hash = Multihash.Sha256(node);
        return new Block(cidVersion == 0 ? Cid.CreateV0(hash) : Cid.CreateV1(Multicodec.DagPb, hash), node);
    }
}
