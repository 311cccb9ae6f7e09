using System.Collections.Concurrent;
using DhtNet.Kademlia;
using DhtNet.Mainline.Krpc;
using DhtNet.Mainline.Storage;

namespace DhtNet.Mainline.Bep44;

/// <summary>
/// What a BEP 44 get lookup collects from the replies: write tokens, and the best item that
/// verifies — the first immutable value whose SHA-1 is the target, or the mutable item with the
/// highest seq whose key and salt hash to the target and whose signature holds. Replies that fail
/// are counted and otherwise ignored. Thread-safe.
/// </summary>
internal sealed class ItemSearch(NodeId target, ReadOnlyMemory<byte> salt)
{
    private readonly Lock _lock = new();

    // The mutable item each node's get reply carried (unverified), to recognise a node that already
    // holds what we put. One entry per node the lookup asked.
    private readonly ConcurrentDictionary<NodeId, (long Sequence, ReadOnlyMemory<byte> Signature, ReadOnlyMemory<byte> Value)> _held = new();

    private ReadOnlyMemory<byte> _value;
    private ReadOnlyMemory<byte> _publicKey;
    private ReadOnlyMemory<byte> _signature;
    private long? _sequence;
    private bool _found;
    private int _rejected;

    public NodeId Target { get; } = target;

    public ReadOnlyMemory<byte> Salt { get; } = salt;

    /// <summary>Write tokens by node, for the put that may follow.</summary>
    public ConcurrentDictionary<NodeId, NodeToken> Tokens { get; } = new();

    /// <summary>True once an immutable value verified: a get can stop there.</summary>
    public bool FoundImmutable
    {
        get
        {
            lock (_lock)
            {
                return _found && _sequence is null;
            }
        }
    }

    /// <summary>The highest seq that verified, or null.</summary>
    public long? Sequence
    {
        get
        {
            lock (_lock)
            {
                return _sequence;
            }
        }
    }

    public int Rejected => Volatile.Read(ref _rejected);

    /// <summary>True when the best item found so far has the value <paramref name="value"/>.</summary>
    public bool HoldsValue(ReadOnlySpan<byte> value)
    {
        lock (_lock)
        {
            return _found && _value.Span.SequenceEqual(value);
        }
    }

    /// <summary>A lookup request that sends get and hands each reply to this search, keeping its write token.</summary>
    public LookupRequest<NodeInfo> Request(NodeContext node) => async (asked, cancellationToken) =>
    {
        var response = await node.Requests.AskNodeAsync<GetResponse>(new GetQuery(node.Id, Target), asked, cancellationToken).ConfigureAwait(false);
        if (response is null)
        {
            return LookupReply<NodeInfo>.NoAnswer;
        }

        Requests.KeepToken(Tokens, asked, response.Token);
        Offer(response);
        return Requests.NodesReply(asked, response.Nodes, response.Nodes6);
    };

    /// <summary>Considers an item from our own store (already verified when it was stored).</summary>
    public void OfferStored(DhtItem? item)
    {
        if (item is null || item.Target != Target)
        {
            return;
        }

        lock (_lock)
        {
            if (!item.IsMutable)
            {
                Accept(item.Value, default, default, null);
            }
            else if (item.Salt.Span.SequenceEqual(Salt.Span) && (!_found || item.Sequence > _sequence))
            {
                Accept(item.Value, item.PublicKey, item.Signature, item.Sequence);
            }
        }
    }

    /// <summary>Considers the item in a get reply, if any.</summary>
    public void Offer(GetResponse response)
    {
        var value = response.Value;
        if (value.IsEmpty)
        {
            return; // no item here (or only its seq, which we did not ask for)
        }

        if (response.PublicKey.IsEmpty)
        {
            OfferImmutable(value);
        }
        else
        {
            if (response.Sequence is { } seq)
            {
                _held[response.SenderId] = (seq, response.Signature, value);
            }

            OfferMutable(value, response.PublicKey, response.Signature, response.Sequence);
        }
    }

    /// <summary>
    /// True when <paramref name="node"/>'s get reply carried exactly the mutable item <paramref name="put"/>
    /// stores (same seq, signature and value): a 302 from it means it holds our item, not a newer one.
    /// </summary>
    public bool Holds(NodeId node, PutQuery put) =>
        put.Sequence is { } seq
        && _held.TryGetValue(node, out var held)
        && held.Sequence == seq
        && held.Signature.Span.SequenceEqual(put.Signature.Span)
        && held.Value.Span.SequenceEqual(put.Value.Span);

    public DhtItemResult? ToResult(LookupStatistics statistics)
    {
        lock (_lock)
        {
            return _found
                ? new DhtItemResult(Target, _value, _sequence, _publicKey, _signature, Salt, statistics) { Rejected = _rejected }
                : null;
        }
    }

    private void OfferImmutable(ReadOnlyMemory<byte> value)
    {
        if (value.Length > ItemRules.MaxValueSize || ItemRules.ImmutableTarget(value.Span) != Target)
        {
            Interlocked.Increment(ref _rejected);
            return;
        }

        lock (_lock)
        {
            if (!_found)
            {
                Accept(value, default, default, null);
            }
        }
    }

    private void OfferMutable(ReadOnlyMemory<byte> value, ReadOnlyMemory<byte> publicKey, ReadOnlyMemory<byte> signature, long? sequence)
    {
        if (sequence is not { } seq || publicKey.Length != ItemRules.PublicKeySize || ItemRules.MutableTarget(publicKey.Span, Salt.Span) != Target)
        {
            Interlocked.Increment(ref _rejected);
            return;
        }

        lock (_lock)
        {
            // An older item changes nothing, and the same one again needs no second check.
            if (_found && (seq < _sequence || (seq == _sequence && signature.Span.SequenceEqual(_signature.Span) && value.Span.SequenceEqual(_value.Span))))
            {
                return;
            }
        }

        // About 0.1 ms: done outside the lock, and only for items that could win.
        if (!ItemRules.VerifySignature(publicKey.Span, Salt.Span, seq, value.Span, signature.Span))
        {
            Interlocked.Increment(ref _rejected);
            return;
        }

        lock (_lock)
        {
            if (!_found || seq > _sequence)
            {
                Accept(value, publicKey, signature, seq);
            }
        }
    }

    private void Accept(ReadOnlyMemory<byte> value, ReadOnlyMemory<byte> publicKey, ReadOnlyMemory<byte> signature, long? sequence)
    {
        _value = value;
        _publicKey = publicKey;
        _signature = signature;
        _sequence = sequence;
        _found = true;
    }
}
