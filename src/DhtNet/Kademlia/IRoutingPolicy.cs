namespace DhtNet.Kademlia;

/// <summary>
/// The network's rules for what a <see cref="RoutingTable{TKey, TContact}"/> may hold; the table
/// itself knows nothing of addresses. Mainline supplies the address-family and endpoint rules, BEP 42
/// and the endpoint index; libp2p supplies its own.
/// </summary>
/// <typeparam name="TKey">The key type.</typeparam>
/// <typeparam name="TContact">The contact type.</typeparam>
public interface IRoutingPolicy<TKey, TContact>
    where TKey : struct, IKademliaKey<TKey>
    where TContact : IKademliaContact<TKey>
{
    /// <summary>
    /// Compares contacts by address, for the index that stops one address from being held under two
    /// keys (a node that restarted with a new id, or a spoofed claim). Null: no address index — for a
    /// network whose keys are derived from the peer's identity, so no one else can claim its slot.
    /// Contacts equal by <see cref="object.Equals(object)"/> must be equal by this comparer too.
    /// </summary>
    IEqualityComparer<TContact>? AddressComparer { get; }

    /// <summary>
    /// The first check of a contact, before the table is consulted: may normalise it (for example an
    /// IPv4-mapped IPv6 address to IPv4) and says whether it can be a node of this table at all.
    /// </summary>
    ContactCheck Check(ref TContact contact);

    /// <summary>
    /// Whether a new entry is admitted, and whether it is preferred (BEP 42: its id matches its
    /// address). Asked only for contacts that would take a new slot, after the conflict rules.
    /// </summary>
    ContactAdmission Admit(in TContact contact);
}

/// <summary>What <see cref="IRoutingPolicy{TKey, TContact}.Check"/> found.</summary>
public enum ContactCheck
{
    /// <summary>The contact can be a node of this table.</summary>
    Usable,

    /// <summary>Its address is of a family or kind this table does not hold (the dual-stack node's other table does).</summary>
    OtherAddressFamily,

    /// <summary>Its address cannot be a node (port 0, unspecified, broadcast, multicast, …).</summary>
    UnusableAddress,
}

/// <summary>What <see cref="IRoutingPolicy{TKey, TContact}.Admit"/> decided.</summary>
public enum ContactAdmission
{
    /// <summary>Not admitted (an enforced rule or an admission filter refused it).</summary>
    Refused,

    /// <summary>Admitted.</summary>
    Admitted,

    /// <summary>Admitted and preferred: returned by <see cref="ClosestNodeFilter.Preferred"/> (BEP 42 storage targets).</summary>
    Preferred,
}

/// <summary>A policy that admits every contact and keeps no address index (keys derived from identity, no address rules).</summary>
public sealed class OpenRoutingPolicy<TKey, TContact> : IRoutingPolicy<TKey, TContact>
    where TKey : struct, IKademliaKey<TKey>
    where TContact : IKademliaContact<TKey>
{
    /// <summary>The one instance; the policy has no state.</summary>
    public static OpenRoutingPolicy<TKey, TContact> Instance { get; } = new();

    public IEqualityComparer<TContact>? AddressComparer => null;

    public ContactCheck Check(ref TContact contact) => ContactCheck.Usable;

    public ContactAdmission Admit(in TContact contact) => ContactAdmission.Admitted;
}
