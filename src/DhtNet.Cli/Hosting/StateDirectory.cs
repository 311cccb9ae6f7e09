using DhtNet.Cli.Input;
using Microsoft.Extensions.Logging;

namespace DhtNet.Cli.Hosting;

/// <summary>
/// What `dht node --data-dir` keeps there: the library's state store (dht-state.db and the key
/// folder), and the routing-table.json of earlier versions, read once and then set aside.
/// </summary>
internal static class StateDirectory
{
    public const string RetiredSuffix = ".migrated";

    // The store's names for the IPFS node's identity key (the Mainline node saves its own as "mainline"/"identity").
    private const string IpfsNetwork = "ipfs";
    private const string IdentityKeyName = "identity";

    public static SqliteStateStore Open(string directory, TimeSpan flushInterval, ILoggerFactory loggers)
    {
        try
        {
            return SqliteStateStore.Open(directory, new DhtStateStoreOptions { FlushInterval = flushInterval }, loggers.CreateLogger<SqliteStateStore>());
        }
        catch (DhtStateException e)
        {
            throw CliException.BadInput($"--data-dir: {e.Message}");
        }
    }

    /// <summary>Reads the state into the node before the listening line, so that line shows the restored id.</summary>
    public static async Task RestoreAsync(DhtNode node, CancellationToken cancellationToken)
    {
        try
        {
            await node.RestoreStateAsync(cancellationToken);
        }
        catch (DhtStateException e)
        {
            throw CliException.BadInput($"--data-dir: {e.Message}");
        }
    }

    /// <summary>
    /// The IPFS identity (the libp2p private key, protobuf-encoded as go-libp2p and js-libp2p keep it) saved in
    /// the store's key folder like the Mainline BEP 44 key, or a new Ed25519 key saved there; without a store,
    /// a new key for this run only.
    /// </summary>
    public static async Task<PrivateKey> LoadOrCreateIpfsKeyAsync(IDhtStateStore? store, CancellationToken cancellationToken)
    {
        if (store is null)
        {
            return Ed25519PrivateKey.Generate();
        }

        try
        {
            if (await store.LoadIdentityKeyAsync(IpfsNetwork, IdentityKeyName, cancellationToken) is { } saved)
            {
                return PrivateKey.Unmarshal(saved);
            }

            var key = Ed25519PrivateKey.Generate();
            await store.SaveIdentityKeyAsync(IpfsNetwork, IdentityKeyName, key.Marshal(), cancellationToken);
            return key;
        }
        catch (LibP2pFormatException e)
        {
            throw CliException.BadInput($"--data-dir: the saved IPFS identity key cannot be read ({e.Message})");
        }
        catch (DhtStateException e)
        {
            throw CliException.BadInput($"--data-dir: {e.Message}");
        }
    }

    /// <summary>
    /// Imports the nodes of an old routing-table.json (its id was never read back, so each run had
    /// a new one: it is not taken). Returns the file to set aside once the node has saved its
    /// table, or null when there is none.
    /// </summary>
    public static RoutingTableFile? ImportOldTable(DhtNode node, string directory, ILogger logger)
    {
        var file = new RoutingTableFile(directory);
        if (!File.Exists(file.Path))
        {
            return null;
        }

        try
        {
            var nodes = file.Load();
            node.ImportNodes(nodes);
            Log.Restored(logger, nodes.Count, file.Path);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            Log.RestoreFailed(logger, e.Message);
        }

        return file;
    }

    /// <summary>After a clean stop the state store holds the table: the old file is renamed so it is read only once.</summary>
    public static void RetireOldTable(RoutingTableFile? file, ILogger logger)
    {
        if (file is null)
        {
            return;
        }

        try
        {
            File.Move(file.Path, file.Path + RetiredSuffix, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Log.SaveFailed(logger, file.Path, e.Message);
        }
    }
}
