using System.Text;
using DhtNet.Lookup;
using DhtNet.Mainline.Bep42;
using DhtNet.Mainline.Bep44;
using DhtNet.Mainline.Krpc;
using DhtNet.Mainline.Storage;
using DhtNet.Security;

namespace DhtNet.Mainline;

// BEP 44: storing and reading immutable and mutable items, and the IPFS-style string keys on top.
public sealed partial class DhtNode
{
    private Ed25519KeyPair? _identityKey;

    /// <summary>
    /// The Ed25519 key pair that signs the items of the string-key operations
    /// (<see cref="PutAsync(string, ReadOnlyMemory{byte}, CancellationToken)"/>,
    /// <see cref="GetAsync(string, CancellationToken)"/>): <see cref="DhtOptions.IdentityKey"/>, or a
    /// key generated for this node when that is null. Save it (<see cref="Ed25519KeyPair.Save"/>) and
    /// pass it back in the options to keep publishing under the same keys after a restart.
    /// </summary>
    public Ed25519KeyPair IdentityKey
    {
        get
        {
            if (Volatile.Read(ref _identityKey) is { } key)
            {
                return key;
            }

            var created = _options.IdentityKey ?? Ed25519KeyPair.Generate();
            return Interlocked.CompareExchange(ref _identityKey, created, null) ?? created;
        }
    }

    /// <summary>
    /// Reads the BEP 44 item stored under <paramref name="target"/>. Our own store is checked first;
    /// then a get lookup asks the nodes toward the target. An immutable value counts only if its
    /// SHA-1 is the target (the lookup stops at the first such value); a mutable item counts only if
    /// SHA-1(k + <paramref name="salt"/>) is the target and its signature verifies, and the one with
    /// the highest seq wins. Replies that fail these checks are ignored (see <see cref="DhtItemResult.Rejected"/>).
    /// Returns null when no item verified.
    /// </summary>
    /// <param name="target">SHA-1 of the immutable value, or of the public key and salt of a mutable item.</param>
    /// <param name="salt">The salt of a mutable item (up to 64 bytes; empty for none). It is not sent: it only checks the target.</param>
    /// <param name="cancellationToken">Cancels the lookup.</param>
    public async Task<DhtItemResult?> GetAsync(NodeId target, ReadOnlyMemory<byte> salt = default, CancellationToken cancellationToken = default)
    {
        CheckSalt(salt, nameof(salt));
        _ = Dispatcher;
        var search = new ItemSearch(target, salt.ToArray());
        search.OfferStored(_items.Get(target).Item);
        if (search.FoundImmutable)
        {
            return search.ToResult(default);
        }

        var lookups = new List<IterativeLookup>();
        var ask = ItemRequest(search);
        int stopped = 0;
        LookupRequest request = async (node, ct) =>
        {
            var reply = await ask(node, ct).ConfigureAwait(false);
            if (search.FoundImmutable && Interlocked.Exchange(ref stopped, 1) == 0)
            {
                StopAll(lookups, afterReply: true);
            }

            return reply;
        };

        var lookup = await RunLookupsAsync("get", target, request, [], cancellationToken, lookups).ConfigureAwait(false);
        return search.ToResult(lookup.Statistics);
    }

    /// <summary>
    /// Reads the item another node published with <see cref="PutAsync(string, ReadOnlyMemory{byte}, CancellationToken)"/>:
    /// the mutable item of <paramref name="publicKey"/> salted with the UTF-8 bytes of <paramref name="key"/>.
    /// </summary>
    public Task<DhtItemResult?> GetAsync(ReadOnlyMemory<byte> publicKey, string key, CancellationToken cancellationToken = default)
    {
        if (publicKey.Length != ItemRules.PublicKeySize)
        {
            throw new ArgumentException($"A BEP 44 public key is {ItemRules.PublicKeySize} bytes, got {publicKey.Length}.", nameof(publicKey));
        }

        byte[] salt = KeySalt(key, nameof(key));
        return GetAsync(ItemRules.MutableTarget(publicKey.Span, salt), salt, cancellationToken);
    }

    /// <summary>
    /// IPFS-style get: reads the value this node stored under <paramref name="key"/> with
    /// <see cref="PutAsync(string, ReadOnlyMemory{byte}, CancellationToken)"/>. The key maps to the
    /// BEP 44 mutable item signed by <see cref="IdentityKey"/> with salt = UTF-8 of the key
    /// (at most 64 bytes), so its target is SHA-1(public key + UTF-8 key).
    /// </summary>
    public Task<DhtItemResult?> GetAsync(string key, CancellationToken cancellationToken = default) =>
        GetAsync(IdentityKey.PublicKey, key, cancellationToken);

    /// <summary>
    /// Stores an immutable BEP 44 item: <paramref name="bencodedValue"/> (one canonical bencoded
    /// value of at most 1000 bytes) goes to the K nodes closest to its SHA-1 that gave us a write
    /// token during a get lookup, preferring nodes whose ids match their addresses (BEP 42). Our own
    /// store keeps it too. Items expire after about two hours: put it again hourly (<see cref="ItemKeepAlive"/>).
    /// </summary>
    public async Task<PutResult> PutAsync(ReadOnlyMemory<byte> bencodedValue, CancellationToken cancellationToken = default)
    {
        byte[] value = CheckValue(bencodedValue, nameof(bencodedValue));
        _ = Dispatcher;
        var target = ItemRules.ImmutableTarget(value);
        bool local = _items.PutImmutable(value).IsSuccess;
        var search = new ItemSearch(target, default);
        var lookup = await RunLookupsAsync("put", target, ItemRequest(search), [], cancellationToken, prefer: NodeIdSecurity.IsAcceptable).ConfigureAwait(false);
        var result = await SendPutsAsync(target, search, lookup, token => new PutQuery(_id, token, value), cancellationToken).ConfigureAwait(false);
        return result with { Statistics = lookup.Statistics, StoredLocally = local };
    }

    /// <summary>
    /// Stores a mutable BEP 44 item signed by <paramref name="keyPair"/> under SHA-1(public key +
    /// <paramref name="salt"/>). With <paramref name="sequence"/> null, the get lookup reads the
    /// current seq from the network (the highest that verifies) and the next one is used (0 when the
    /// item is new). <paramref name="cas"/> asks nodes to store only if their seq equals it. Nodes
    /// that refuse are counted in <see cref="PutResult.Errors"/>; when no node accepted and every
    /// refusal was 302 (a newer seq is stored) or 301 (cas mismatch), throws <see cref="DhtPutException"/>.
    /// </summary>
    /// <param name="keyPair">The signing key; its public key is the item's <c>k</c>.</param>
    /// <param name="bencodedValue">One canonical bencoded value of at most 1000 bytes.</param>
    /// <param name="salt">Up to 64 bytes that tell apart several items of one key; empty for none.</param>
    /// <param name="sequence">The seq to put, or null for the network's current one plus one.</param>
    /// <param name="cas">BEP 44 compare-and-swap: the seq this put expects to replace, or null.</param>
    /// <param name="cancellationToken">Cancels the lookup and the puts.</param>
    public async Task<PutResult> PutAsync(
        Ed25519KeyPair keyPair,
        ReadOnlyMemory<byte> bencodedValue,
        ReadOnlyMemory<byte> salt = default,
        long? sequence = null,
        long? cas = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(keyPair);
        byte[] value = CheckValue(bencodedValue, nameof(bencodedValue));
        CheckSalt(salt, nameof(salt));
        _ = Dispatcher;
        var target = ItemRules.MutableTarget(keyPair.PublicKey.Span, salt.Span);
        var search = new ItemSearch(target, salt.ToArray());
        search.OfferStored(_items.Get(target).Item);
        var lookup = await RunLookupsAsync("put", target, ItemRequest(search), [], cancellationToken, prefer: NodeIdSecurity.IsAcceptable).ConfigureAwait(false);
        long seq = sequence ?? (search.Sequence is { } current
            ? (current < long.MaxValue ? current + 1 : throw new InvalidOperationException("The item's sequence number is at its maximum."))
            : 0);
        var item = MutableItem.Create(keyPair, value, seq, search.Salt);
        return await PutMutableAsync(item, cas, search, lookup, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// IPFS-style put: stores <paramref name="bencodedValue"/> under <paramref name="key"/> as the
    /// BEP 44 mutable item signed by <see cref="IdentityKey"/> with salt = UTF-8 of the key (at most
    /// 64 bytes), at the next seq. Read it back with <see cref="GetAsync(string, CancellationToken)"/>
    /// here, or with <see cref="GetAsync(ReadOnlyMemory{byte}, string, CancellationToken)"/> and our
    /// public key elsewhere.
    /// </summary>
    public Task<PutResult> PutAsync(string key, ReadOnlyMemory<byte> bencodedValue, CancellationToken cancellationToken = default)
    {
        byte[] salt = KeySalt(key, nameof(key));
        return PutAsync(IdentityKey, bencodedValue, salt, cancellationToken: cancellationToken);
    }

    /// <summary>
    /// Puts an already signed mutable item unchanged (no key needed): to keep it alive, or to
    /// republish an item read from the network (<see cref="DhtItemResult.ToMutableItem"/>).
    /// Throws <see cref="ArgumentException"/> when its signature does not verify, and
    /// <see cref="DhtPutException"/> as <see cref="PutAsync(Ed25519KeyPair, ReadOnlyMemory{byte}, ReadOnlyMemory{byte}, long?, long?, CancellationToken)"/> does.
    /// </summary>
    public async Task<PutResult> PutSignedAsync(MutableItem item, long? cas = null, CancellationToken cancellationToken = default)
    {
        CheckSignedItem(item, nameof(item));

        _ = Dispatcher;
        var target = item.Target;
        var search = new ItemSearch(target, item.Salt);
        var lookup = await RunLookupsAsync("put", target, ItemRequest(search), [], cancellationToken, prefer: NodeIdSecurity.IsAcceptable).ConfigureAwait(false);
        return await PutMutableAsync(item, cas, search, lookup, cancellationToken).ConfigureAwait(false);
    }

    private async Task<PutResult> PutMutableAsync(MutableItem item, long? cas, ItemSearch search, LookupResult lookup, CancellationToken cancellationToken)
    {
        var local = _items.PutMutable(item.PublicKey.Span, item.Salt.Span, item.Sequence, item.Signature.Span, item.Value.Span, cas);
        var result = await SendPutsAsync(
            search.Target,
            search,
            lookup,
            token => new PutQuery(_id, token, item.Value)
            {
                PublicKey = item.PublicKey,
                Signature = item.Signature,
                Salt = item.Salt,
                Sequence = item.Sequence,
                Cas = cas,
            },
            cancellationToken).ConfigureAwait(false);
        result = result with { Sequence = item.Sequence, Statistics = lookup.Statistics, StoredLocally = local.IsSuccess, Item = item };

        // Refused as outdated everywhere it was judged: by the nodes that answered, or by our own
        // store when there was no node to ask.
        int outdated = result.Errors.GetValueOrDefault(KrpcErrorCode.SequenceNumberLessThanCurrent) + result.Errors.GetValueOrDefault(KrpcErrorCode.CasMismatch);
        if (result.Stored == 0 && outdated > 0 && outdated == result.Errors.Values.Sum())
        {
            var first = result.FirstError!;
            throw new DhtPutException(first.Code, $"No node stored the item: {first.Code} {first.Message}.", result);
        }

        if (result.Asked == 0 && local.ErrorCode is KrpcErrorCode.SequenceNumberLessThanCurrent or KrpcErrorCode.CasMismatch)
        {
            throw new DhtPutException(local.ErrorCode, $"Our own store refused the item: {local.ErrorCode} {local.ErrorMessage}.", result);
        }

        return result;
    }

    /// <summary>Sends the put to the closest token holders at once and tallies the answers.</summary>
    private async Task<PutResult> SendPutsAsync(
        NodeId target, ItemSearch search, LookupResult lookup, Func<ReadOnlyMemory<byte>, PutQuery> createQuery, CancellationToken cancellationToken)
    {
        // BEP 42: choose among the nearest token holders, preferring ids that match their addresses.
        var holders = new List<NodeToken>();
        foreach (var node in NearestHolders(target, search.Tokens, StorageCandidates))
        {
            holders.Add(search.Tokens[node.Id]);
        }

        var chosen = ChooseStorageNodes(target, holders).ToList();
        var asks = new Task<KrpcResult>[chosen.Count];
        var queries = new PutQuery[chosen.Count];
        for (int i = 0; i < chosen.Count; i++)
        {
            queries[i] = createQuery(chosen[i].Token);
            asks[i] = AskAsync(queries[i], chosen[i].Node.EndPoint, cancellationToken);
        }

        var answers = await Task.WhenAll(asks).ConfigureAwait(false);
        int stored = 0, timedOut = 0;
        var errors = new Dictionary<int, int>();
        KrpcError? firstError = null;
        for (int i = 0; i < answers.Length; i++)
        {
            var answer = answers[i];
            // bittorrent-dht refuses with 302 an item it holds with the same seq, where BEP 44 asks
            // for a refresh: when its get reply showed it holds exactly this item, it stores it.
            if (answer.Response is PutResponse
                || (answer.Error is { Code: KrpcErrorCode.SequenceNumberLessThanCurrent } && search.Holds(chosen[i].Node.Id, queries[i])))
            {
                stored++;
            }
            else if (answer.Error is { } error)
            {
                errors[error.Code] = errors.GetValueOrDefault(error.Code) + 1;
                firstError ??= error;
            }
            else if (answer.Status == KrpcResultStatus.Timeout)
            {
                timedOut++;
                RecordFailure(chosen[i].Node);
            }
        }

        return new PutResult(target, stored, null, lookup.Statistics)
        {
            Asked = chosen.Count,
            TimedOut = timedOut,
            Errors = errors,
            FirstError = firstError,
        };
    }

    /// <summary>A lookup request that sends get and hands each reply to <paramref name="search"/>.</summary>
    private LookupRequest ItemRequest(ItemSearch search) => async (node, cancellationToken) =>
    {
        var response = await AskNodeAsync<GetResponse>(new GetQuery(_id, search.Target), node, cancellationToken).ConfigureAwait(false);
        if (response is null)
        {
            return LookupReply.NoAnswer;
        }

        KeepToken(search.Tokens, node, response.Token);
        search.Offer(response);
        return NodesReply(node, response.Nodes, response.Nodes6);
    };

    /// <summary>Checks an already signed item to put: its value, its salt, and that its signature holds.</summary>
    internal static void CheckSignedItem(MutableItem item, string argument)
    {
        ArgumentNullException.ThrowIfNull(item, argument);
        _ = CheckValue(item.Value, argument);
        CheckSalt(item.Salt, argument);
        if (!item.VerifySignature())
        {
            throw new ArgumentException("The item's signature does not verify under its public key, salt, seq and value.", argument);
        }
    }

    /// <summary>Checks a value to put: one canonical bencoded value of 1..1000 bytes. Returns a copy we own.</summary>
    internal static byte[] CheckValue(ReadOnlyMemory<byte> bencodedValue, string argument)
    {
        if (bencodedValue.IsEmpty || bencodedValue.Length > ItemRules.MaxValueSize)
        {
            throw new ArgumentException($"A BEP 44 value is 1 to {ItemRules.MaxValueSize} bencoded bytes, got {bencodedValue.Length}.", argument);
        }

        if (!KrpcCodec.IsCanonical(bencodedValue.Span))
        {
            throw new ArgumentException("A BEP 44 value must be exactly one canonical bencoded value (sorted keys, no leading zeros).", argument);
        }

        return bencodedValue.ToArray();
    }

    private static void CheckSalt(ReadOnlyMemory<byte> salt, string argument)
    {
        if (salt.Length > ItemRules.MaxSaltSize)
        {
            throw new ArgumentException($"A BEP 44 salt is at most {ItemRules.MaxSaltSize} bytes, got {salt.Length}.", argument);
        }
    }

    private static byte[] KeySalt(string key, string argument)
    {
        ArgumentNullException.ThrowIfNull(key, argument);
        byte[] salt = Encoding.UTF8.GetBytes(key);
        if (salt.Length > ItemRules.MaxSaltSize)
        {
            throw new ArgumentException($"A key is at most {ItemRules.MaxSaltSize} bytes of UTF-8 (it becomes the BEP 44 salt), got {salt.Length}.", argument);
        }

        return salt;
    }
}
