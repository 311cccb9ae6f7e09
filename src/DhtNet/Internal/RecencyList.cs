namespace DhtNet.Internal;

/// <summary>An entry of a <see cref="RecencyList{T}"/>: it holds its own links, so moving it allocates nothing.</summary>
internal abstract class RecencyNode<T>
    where T : RecencyNode<T>
{
    /// <summary>The next less recently used entry.</summary>
    public T? Older { get; set; }

    /// <summary>The next more recently used entry.</summary>
    public T? Newer { get; set; }
}

/// <summary>
/// Entries from least to most recently used, linked through the entries themselves, for stores
/// that expire and evict from the old end. Not thread-safe: the owning store locks.
/// </summary>
internal sealed class RecencyList<T>
    where T : RecencyNode<T>
{
    /// <summary>The least recently used entry (the first to expire or be evicted).</summary>
    public T? Oldest { get; private set; }

    /// <summary>The most recently used entry.</summary>
    public T? Newest { get; private set; }

    /// <summary>Adds an entry that is not in the list as the newest.</summary>
    public void AddNewest(T entry)
    {
        entry.Older = Newest;
        if (Newest is not null)
        {
            Newest.Newer = entry;
        }

        Newest = entry;
        Oldest ??= entry;
    }

    /// <summary>Makes an entry, in the list or not yet, the newest.</summary>
    public void MoveToNewest(T entry)
    {
        if (Newest == entry)
        {
            return;
        }

        Remove(entry);
        AddNewest(entry);
    }

    /// <summary>Takes an entry out of the list; an entry that is not in it is left as it is.</summary>
    public void Remove(T entry)
    {
        if (entry.Older is not null)
        {
            entry.Older.Newer = entry.Newer;
        }
        else if (Oldest == entry)
        {
            Oldest = entry.Newer;
        }

        if (entry.Newer is not null)
        {
            entry.Newer.Older = entry.Older;
        }
        else if (Newest == entry)
        {
            Newest = entry.Older;
        }

        entry.Older = null;
        entry.Newer = null;
    }
}
