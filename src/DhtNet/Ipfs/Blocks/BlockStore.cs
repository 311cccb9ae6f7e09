using DhtNet.LibP2p;
using DhtNet.LibP2p.Multiformats;

namespace DhtNet.Ipfs.Blocks;

/// <summary>
/// Blocks this node holds, bounded by count and bytes with least-recently-used eviction. Blocks are keyed
/// by multihash, as kubo's blockstore keys them, so a CIDv0 and a CIDv1 of the same bytes name one block.
/// Thread-safe.
/// </summary>
public sealed class BlockStore
{
    private readonly BoundedLru<ByteKey, Block> _blocks;
    private readonly BlockStoreOptions _options;

    /// <param name="options">Bounds; null for the defaults.</param>
    public BlockStore(BlockStoreOptions? options = null)
    {
        _options = options ?? new BlockStoreOptions();
        _options.Validate();
        _blocks = new BoundedLru<ByteKey, Block>(_options.MaxBlocks, _options.MaxBytes);
    }

    /// <summary>The bounds this store keeps to.</summary>
    public BlockStoreOptions Options => _options;

    /// <summary>Blocks held.</summary>
    public int Count
    {
        get
        {
            lock (_blocks)
            {
                return _blocks.Count;
            }
        }
    }

    /// <summary>Bytes of block data held.</summary>
    public long Bytes
    {
        get
        {
            lock (_blocks)
            {
                return _blocks.Bytes;
            }
        }
    }

    /// <summary>Stores <paramref name="data"/> under <paramref name="cid"/>.</summary>
    /// <exception cref="ArgumentException">The data is larger than <see cref="BlockStoreOptions.MaxBlockSize"/>, or its hash is not the CID's multihash.</exception>
    public void Put(Cid cid, ReadOnlySpan<byte> data)
    {
        ArgumentNullException.ThrowIfNull(cid);
        if (data.Length > _options.MaxBlockSize)
        {
            throw new ArgumentException($"The block is {data.Length} bytes; the limit is {_options.MaxBlockSize}.", nameof(data));
        }

        if (!cid.Multihash.Matches(data))
        {
            throw new ArgumentException($"The data does not hash to {cid} (or its hash function is not supported).", nameof(data));
        }

        var block = new Block(cid, data.ToArray());
        lock (_blocks)
        {
            _blocks.Set(new ByteKey(cid.Multihash.Bytes.Span), block, data.Length);
        }
    }

    /// <summary>Stores <paramref name="block"/> (see <see cref="Put(Cid, ReadOnlySpan{byte})"/>).</summary>
    public void Put(Block block)
    {
        ArgumentNullException.ThrowIfNull(block);
        Put(block.Cid, block.Data.Span);
    }

    /// <summary>The block whose multihash is <paramref name="cid"/>'s, named by <paramref name="cid"/>; null when this store lacks it.</summary>
    public Block? Get(Cid cid)
    {
        ArgumentNullException.ThrowIfNull(cid);
        lock (_blocks)
        {
            return _blocks.TryGet(new ByteKey(cid.Multihash.Bytes.Span), out var block) ? block with { Cid = cid } : null;
        }
    }

    /// <summary>Whether this store holds the block of <paramref name="multihash"/>.</summary>
    public bool Has(Multihash multihash)
    {
        ArgumentNullException.ThrowIfNull(multihash);
        lock (_blocks)
        {
            return _blocks.TryGet(new ByteKey(multihash.Bytes.Span), out _);
        }
    }
}
