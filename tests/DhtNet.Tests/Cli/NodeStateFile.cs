using System.Net;

namespace DhtNet.Tests.Cli;

/// <summary>What `dht node --data-dir` saved, read back with the library's state store while the node is not running.</summary>
internal sealed record NodeStateFile(
    NodeId? Id,
    byte[]? IdentityKey,
    IReadOnlyList<NodeInfo> Contacts,
    IReadOnlyList<(NodeId InfoHash, IPEndPoint Peer)> Peers,
    IReadOnlyList<NodeId> Items,
    IReadOnlyList<NodeId> Provided)
{
    public static async Task<NodeStateFile> LoadAsync(string directory)
    {
        await using var store = SqliteStateStore.Open(directory);
        var state = await store.LoadAsync(MainlineState.Network, new DhtStateLimits());
        byte[]? key = await store.LoadIdentityKeyAsync(MainlineState.Network, "identity");
        return new NodeStateFile(
            MainlineState.SavedId(state),
            key,
            [.. state.Contacts.Select(c => new NodeInfo(new NodeId(c.Id), CompactEncoding.ReadPeer(c.Address)))],
            [.. state.Peers.Select(p => (new NodeId(p.InfoHash), CompactEncoding.ReadPeer(p.Address)))],
            [.. state.Items.Select(i => new NodeId(i.Target))],
            [.. state.Publications.Where(p => p.Kind == MainlineState.AnnounceKind).Select(p => new NodeId(p.Key))]);
    }

    /// <summary>
    /// Reads a copy of the database and its WAL, taken while the node writes them, so the running node's files are
    /// never touched; a torn copy reads as nothing yet (null).
    /// </summary>
    public static async Task<T?> ReadCopyAsync<T>(string directory, Func<string, Task<T>> read)
        where T : class
    {
        string copy = Directory.CreateTempSubdirectory("dht-cli-crash-copy-").FullName;
        try
        {
            foreach (var file in Directory.GetFiles(directory, "dht-state.db*").Where(f => !f.EndsWith("-shm", StringComparison.Ordinal)))
            {
                File.Copy(file, Path.Combine(copy, Path.GetFileName(file)));
            }

            return await read(copy);
        }
        catch (Exception e) when (e is IOException or DhtStateException or Microsoft.Data.Sqlite.SqliteException)
        {
            return null;
        }
        finally
        {
            Directory.Delete(copy, recursive: true);
        }
    }
}
