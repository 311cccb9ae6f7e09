namespace DhtNet.Persistence;

/// <summary>The file format: one table per kind of entry, all keyed by network first.</summary>
public sealed partial class SqliteStateStore
{
    /// <summary>The format this build writes, kept in <c>PRAGMA user_version</c>; raise it with every change to the tables.</summary>
    public const int SchemaVersion = 4;

    // WITHOUT ROWID: these tables are looked up and replaced by their natural key, so the key is
    // the row and no second b-tree is kept. Times are Unix milliseconds.
    //
    // Peers and items are the exception: they come at the rate a node is announced to and put to,
    // under random keys, and a keyed b-tree pays a random page for every row (measured here: some
    // 55 us a row against 2 us appended). So they are logs (format 2): each flush appends at the
    // end (the expiry index grows at its end too, as expiry follows write time), a load keeps the
    // latest entry of each key, and pruning drops what has expired, superseded entries with it.
    // Even an appended row cost a busy node more CPU than the rest of serving the announce or the
    // put, so entries are packed many to a row (see EntryBatch): peers since format 3, items since
    // format 4, both in one table with the kind of entry a row holds.
    private const string CreateSchema = """
        CREATE TABLE node_ids (network TEXT NOT NULL, slot TEXT NOT NULL, id BLOB NOT NULL,
            PRIMARY KEY (network, slot)) WITHOUT ROWID;
        CREATE TABLE contacts (network TEXT NOT NULL, id BLOB NOT NULL, address BLOB NOT NULL, last_seen INTEGER NOT NULL,
            PRIMARY KEY (network, id)) WITHOUT ROWID;
        CREATE TABLE providers (network TEXT NOT NULL, key BLOB NOT NULL, provider BLOB NOT NULL, addresses BLOB NOT NULL, expires INTEGER NOT NULL,
            PRIMARY KEY (network, key, provider)) WITHOUT ROWID;
        CREATE INDEX providers_expires ON providers (expires);
        CREATE TABLE records (network TEXT NOT NULL, key BLOB NOT NULL, value BLOB NOT NULL, received INTEGER NOT NULL, expires INTEGER NOT NULL,
            PRIMARY KEY (network, key)) WITHOUT ROWID;
        CREATE INDEX records_expires ON records (expires);
        CREATE TABLE publications (network TEXT NOT NULL, kind TEXT NOT NULL, key BLOB NOT NULL, payload BLOB NOT NULL, next_due INTEGER NOT NULL,
            PRIMARY KEY (network, kind, key)) WITHOUT ROWID;
        """ + CreateBatches;

    // One row per batch of packed entries of one kind (PeerRows or ItemRows); expires is the latest expiry in the row.
    private const string CreateBatches = """
        CREATE TABLE batches (network TEXT NOT NULL, kind INTEGER NOT NULL, expires INTEGER NOT NULL, entries BLOB NOT NULL);
        CREATE INDEX batches_expires ON batches (expires);
        """;

    // The kind column's values; part of the file format.
    private const int PeerRows = 1;
    private const int ItemRows = 2;

    private const string UpsertNodeId = "INSERT OR REPLACE INTO node_ids (network, slot, id) VALUES ($network, $slot, $id)";
    private const string DeleteNodeId = "DELETE FROM node_ids WHERE network = $network AND slot = $slot";
    private const string UpsertContact = "INSERT OR REPLACE INTO contacts (network, id, address, last_seen) VALUES ($network, $id, $address, $last_seen)";
    private const string DeleteContact = "DELETE FROM contacts WHERE network = $network AND id = $id";
    // Format 1 kept peers and items keyed; a file of that format is moved to format 2's logs first, at open.
    private const string MigrateFrom1 = """
        CREATE TABLE peers_log (network TEXT NOT NULL, info_hash BLOB NOT NULL, address BLOB NOT NULL, seed INTEGER NOT NULL, expires INTEGER NOT NULL);
        INSERT INTO peers_log SELECT network, info_hash, address, seed, expires FROM peers;
        DROP TABLE peers;
        ALTER TABLE peers_log RENAME TO peers;
        CREATE INDEX peers_expires ON peers (expires);
        CREATE TABLE items_log (network TEXT NOT NULL, target BLOB NOT NULL, item BLOB NOT NULL, expires INTEGER NOT NULL);
        INSERT INTO items_log SELECT network, target, item, expires FROM items;
        DROP TABLE items;
        ALTER TABLE items_log RENAME TO items;
        CREATE INDEX items_expires ON items (expires);
        """;

    // Format 2's peer log and the item log of formats 2 and 3, packed into batches at open, in log
    // order, as (network, key, value, seed, expires).
    private const string SelectLoggedPeers = "SELECT network, info_hash, address, seed, expires FROM peers ORDER BY rowid";
    private const string DropLoggedPeers = "DROP TABLE peers";
    private const string SelectLoggedItems = "SELECT network, target, item, 0, expires FROM items ORDER BY rowid";
    private const string DropLoggedItems = "DROP TABLE items";

    // Format 3's peer rows have the packed layout of today's (see EntryBatch): they move over whole,
    // in order, as rows of kind 1 (PeerRows).
    private const string MoveFormat3Peers = """
        INSERT INTO batches (network, kind, expires, entries) SELECT network, 1, expires, peers FROM peer_batches ORDER BY rowid;
        DROP TABLE peer_batches;
        """;

    private const string InsertBatch = "INSERT INTO batches (network, kind, expires, entries) VALUES ($network, $kind, $expires, $entries)";

    // A removal must outlive every entry of its key written before: the latest expiry of any row of its kind does.
    private const string LatestBatchExpiry = "SELECT expires FROM batches WHERE network = $network AND kind = $kind ORDER BY expires DESC LIMIT 1";

    private const string UpsertProvider = "INSERT OR REPLACE INTO providers (network, key, provider, addresses, expires) VALUES ($network, $key, $provider, $addresses, $expires)";
    private const string DeleteProvider = "DELETE FROM providers WHERE network = $network AND key = $key AND provider = $provider";
    private const string UpsertRecord = "INSERT OR REPLACE INTO records (network, key, value, received, expires) VALUES ($network, $key, $value, $received, $expires)";
    private const string DeleteRecord = "DELETE FROM records WHERE network = $network AND key = $key";
    private const string UpsertPublication = "INSERT OR REPLACE INTO publications (network, kind, key, payload, next_due) VALUES ($network, $kind, $key, $payload, $next_due)";
    private const string DeletePublication = "DELETE FROM publications WHERE network = $network AND kind = $kind AND key = $key";

    private const string PruneExpired = """
        DELETE FROM batches WHERE expires <= $now;
        DELETE FROM providers WHERE expires <= $now;
        DELETE FROM records WHERE expires <= $now;
        """;

    // The caps are applied in SQL so a file holding more than the node keeps is never read whole.
    // Ties break by key bytes, as InMemoryStateStore breaks them.
    private const string SelectNodeIds = "SELECT slot, id FROM node_ids WHERE network = $network";
    private const string SelectContacts = """
        SELECT id, address, last_seen FROM contacts WHERE network = $network
        ORDER BY last_seen DESC, id LIMIT $max
        """;
    // Every batch of a kind, oldest first: the latest entry of each key is found as they are unpacked.
    private const string SelectBatches = "SELECT entries FROM batches WHERE network = $network AND kind = $kind ORDER BY rowid";
    private const string SelectProviders = """
        SELECT key, provider, addresses, expires FROM (
            SELECT key, provider, addresses, expires,
                row_number() OVER (PARTITION BY key ORDER BY expires DESC, provider) AS rank
            FROM providers WHERE network = $network AND expires > $now)
        WHERE rank <= $per_key ORDER BY expires DESC, key, provider LIMIT $max
        """;
    private const string SelectRecords = """
        SELECT key, value, received, expires FROM records WHERE network = $network AND expires > $now
        ORDER BY expires DESC, key LIMIT $max
        """;
    private const string SelectPublications = """
        SELECT kind, key, payload, next_due FROM publications WHERE network = $network
        ORDER BY next_due, kind, key LIMIT $max
        """;
}
