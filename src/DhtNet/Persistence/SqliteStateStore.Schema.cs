namespace DhtNet.Persistence;

/// <summary>The file format: one table per kind of entry, all keyed by network first.</summary>
public sealed partial class SqliteStateStore
{
    /// <summary>The format this build writes, kept in <c>PRAGMA user_version</c>; raise it with every change to the tables.</summary>
    public const int SchemaVersion = 3;

    // WITHOUT ROWID: these tables are looked up and replaced by their natural key, so the key is
    // the row and no second b-tree is kept. Times are Unix milliseconds.
    //
    // Peers and items are the exception (format 2): they come at the rate a node is announced to
    // and put to, under random keys, and a keyed b-tree pays a random page for every row (measured
    // here: some 55 us a row against 2 us appended). So they are logs: each flush appends its rows
    // at the end (the expiry index grows at its end too, as expiry follows write time), a load
    // keeps the latest row of each key, and pruning drops what has expired, superseded rows with it.
    // Format 3 packs peers, the most frequent, many to a row (see PeerBatch): an appended row still
    // cost a busy node more CPU than the rest of serving the announce.
    private const string CreateSchema = """
        CREATE TABLE node_ids (network TEXT NOT NULL, slot TEXT NOT NULL, id BLOB NOT NULL,
            PRIMARY KEY (network, slot)) WITHOUT ROWID;
        CREATE TABLE contacts (network TEXT NOT NULL, id BLOB NOT NULL, address BLOB NOT NULL, last_seen INTEGER NOT NULL,
            PRIMARY KEY (network, id)) WITHOUT ROWID;
        CREATE TABLE items (network TEXT NOT NULL, target BLOB NOT NULL, item BLOB NOT NULL, expires INTEGER NOT NULL);
        CREATE INDEX items_expires ON items (expires);
        CREATE TABLE providers (network TEXT NOT NULL, key BLOB NOT NULL, provider BLOB NOT NULL, addresses BLOB NOT NULL, expires INTEGER NOT NULL,
            PRIMARY KEY (network, key, provider)) WITHOUT ROWID;
        CREATE INDEX providers_expires ON providers (expires);
        CREATE TABLE records (network TEXT NOT NULL, key BLOB NOT NULL, value BLOB NOT NULL, received INTEGER NOT NULL, expires INTEGER NOT NULL,
            PRIMARY KEY (network, key)) WITHOUT ROWID;
        CREATE INDEX records_expires ON records (expires);
        CREATE TABLE publications (network TEXT NOT NULL, kind TEXT NOT NULL, key BLOB NOT NULL, payload BLOB NOT NULL, next_due INTEGER NOT NULL,
            PRIMARY KEY (network, kind, key)) WITHOUT ROWID;
        """ + CreatePeerBatches;

    // One row per batch of packed peers; expires is the latest expiry in the row.
    private const string CreatePeerBatches = """
        CREATE TABLE peer_batches (network TEXT NOT NULL, expires INTEGER NOT NULL, peers BLOB NOT NULL);
        CREATE INDEX peer_batches_expires ON peer_batches (expires);
        """;

    private const string UpsertNodeId = "INSERT OR REPLACE INTO node_ids (network, slot, id) VALUES ($network, $slot, $id)";
    private const string DeleteNodeId = "DELETE FROM node_ids WHERE network = $network AND slot = $slot";
    private const string UpsertContact = "INSERT OR REPLACE INTO contacts (network, id, address, last_seen) VALUES ($network, $id, $address, $last_seen)";
    private const string DeleteContact = "DELETE FROM contacts WHERE network = $network AND id = $id";
    // Format 1 kept peers and items keyed; a file of that format is moved to logs once, at open.
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

    // Format 2's peers, moved into batches when a file of format 1 or 2 is opened.
    private const string SelectFormat2Peers = "SELECT network, info_hash, address, seed, expires FROM peers ORDER BY rowid";
    private const string DropFormat2Peers = "DROP TABLE peers";
    private const string InsertPeerBatch = "INSERT INTO peer_batches (network, expires, peers) VALUES ($network, $expires, $peers)";

    // A removed peer must outlive every record of it written before: the latest expiry of any row does.
    private const string LatestPeerBatchExpiry = "SELECT expires FROM peer_batches WHERE network = $network ORDER BY expires DESC LIMIT 1";

    // Removing a logged entry reads the whole log (no key index is kept, see above); nodes let
    // items expire rather than remove them.
    private const string UpsertItem = "INSERT INTO items (network, target, item, expires) VALUES ($network, $target, $item, $expires)";
    private const string DeleteItem = "DELETE FROM items WHERE network = $network AND target = $target";
    private const string UpsertProvider = "INSERT OR REPLACE INTO providers (network, key, provider, addresses, expires) VALUES ($network, $key, $provider, $addresses, $expires)";
    private const string DeleteProvider = "DELETE FROM providers WHERE network = $network AND key = $key AND provider = $provider";
    private const string UpsertRecord = "INSERT OR REPLACE INTO records (network, key, value, received, expires) VALUES ($network, $key, $value, $received, $expires)";
    private const string DeleteRecord = "DELETE FROM records WHERE network = $network AND key = $key";
    private const string UpsertPublication = "INSERT OR REPLACE INTO publications (network, kind, key, payload, next_due) VALUES ($network, $kind, $key, $payload, $next_due)";
    private const string DeletePublication = "DELETE FROM publications WHERE network = $network AND kind = $kind AND key = $key";

    private const string PruneExpired = """
        DELETE FROM peer_batches WHERE expires <= $now;
        DELETE FROM items WHERE expires <= $now;
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
    // Every batch, oldest first: the latest record of each peer is found as they are unpacked.
    private const string SelectPeerBatches = "SELECT peers FROM peer_batches WHERE network = $network ORDER BY rowid";
    // The latest row of each logged key (max(rowid) picks the row the other columns come from).
    private const string SelectItems = """
        SELECT target, item, expires FROM (
            SELECT target, item, expires, max(rowid) FROM items WHERE network = $network GROUP BY target)
        WHERE expires > $now ORDER BY expires DESC, target LIMIT $max
        """;
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
