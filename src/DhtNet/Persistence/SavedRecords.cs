namespace DhtNet.Persistence;

// The records a state store keeps are neutral bytes so that the Mainline node and the IPFS node
// share one store without the store knowing either wire format. A store keeps the arrays it is
// given (recording must stay O(1) on the serving path): do not change them after recording.

/// <summary>A routing-table contact: its id, its address as the network encodes it, and when it last answered.</summary>
public sealed record SavedContact(byte[] Id, byte[] Address, DateTimeOffset LastSeen);

/// <summary>A peer another node announced to us (BEP 5): infohash, compact address, seed flag, and when it expires.</summary>
public sealed record SavedPeer(byte[] InfoHash, byte[] Address, bool Seed, DateTimeOffset Expires);

/// <summary>A BEP 44 item stored on us: its target and the raw bencoded item exactly as received.</summary>
public sealed record SavedItem(byte[] Target, byte[] Item, DateTimeOffset Expires);

/// <summary>An IPFS provider record stored on us: the key, the provider's peer id, and its encoded multiaddrs.</summary>
public sealed record SavedProviderRecord(byte[] Key, byte[] ProviderId, byte[] Addresses, DateTimeOffset Expires);

/// <summary>An IPFS value record stored on us (for example an IPNS record).</summary>
public sealed record SavedRecord(byte[] Key, byte[] Value, DateTimeOffset Received, DateTimeOffset Expires);

/// <summary>
/// Something this node provides or publishes itself and keeps alive: <paramref name="Kind"/> names
/// what it is (for example "announce", "item", "provide", "ipns"), <paramref name="Payload"/> is what
/// the caller needs to do it again, <paramref name="NextDue"/> when it is next due.
/// </summary>
public sealed record SavedPublication(string Kind, byte[] Key, byte[] Payload, DateTimeOffset NextDue);
