namespace DhtNet.Persistence;

/// <summary>The kinds of entry a state store keeps; each has its own table.</summary>
internal enum StateKind : byte
{
    NodeId,
    Contact,
    Peer,
    Item,
    Provider,
    Record,
    Publication,
}
