namespace DhtNet.Tests.Ipfs;

public class KadRequestHandlerTests
{
    private static readonly Multiaddr Addr = Multiaddr.Parse("/ip4/10.0.0.1/tcp/4001");

    private readonly VirtualTimeProvider _time = new(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly Ed25519PrivateKey _selfKey = Ed25519PrivateKey.Generate();
    private readonly Ed25519PrivateKey _senderKey = Ed25519PrivateKey.Generate();
    private readonly List<PeerInfo> _table = [];
    private readonly ProviderStore _providers;
    private readonly RecordStore _records;
    private readonly AddressBook _addressBook;
    private readonly KadRequestHandler _handler;

    public KadRequestHandlerTests()
    {
        _providers = new ProviderStore(_time);
        _records = new RecordStore(_time);
        _addressBook = new AddressBook(_time);
        for (var i = 0; i < 30; i++)
        {
            _table.Add(new PeerInfo(Ed25519PrivateKey.Generate().PeerId, [Multiaddr.Parse($"/ip4/10.0.1.{i}/tcp/4001")]));
        }

        _handler = new KadRequestHandler(_selfKey.PeerId, () => [Addr], Closest, _providers, _records, _addressBook);
    }

    private PeerId Sender => _senderKey.PeerId;

    [Fact]
    public void FindNode_OwnId_IncludesSelfAndKCloserPeers()
    {
        var reply = Reply(new KadMessage { Type = KadMessageType.FindNode, Key = _selfKey.PeerId.Bytes });

        Assert.Equal(_selfKey.PeerId.Bytes.ToArray(), reply.CloserPeers[0].Id.ToArray());
        Assert.Equal(KadRequestHandler.DefaultBucketSize + 1, reply.CloserPeers.Count);
    }

    [Fact]
    public void FindNode_OtherKey_ReturnsTheKClosestWithoutSelfOrSender()
    {
        _table.Insert(0, new PeerInfo(Sender, [Addr]));
        _table.Insert(0, new PeerInfo(_selfKey.PeerId, [Addr]));
        var reply = Reply(new KadMessage { Type = KadMessageType.FindNode, Key = Multihash.Sha256("x"u8).Bytes });

        Assert.Equal(KadRequestHandler.DefaultBucketSize, reply.CloserPeers.Count);
        Assert.DoesNotContain(reply.CloserPeers, p => p.Id.Span.SequenceEqual(Sender.Bytes.Span) || p.Id.Span.SequenceEqual(_selfKey.PeerId.Bytes.Span));
    }

    [Fact]
    public void FindNode_PeerInTheAddressBook_IsAnsweredWithItsAddresses()
    {
        var target = Ed25519PrivateKey.Generate().PeerId;
        _addressBook.Add(target, [Addr]);

        var reply = Reply(new KadMessage { Type = KadMessageType.FindNode, Key = target.Bytes });

        Assert.True(reply.CloserPeers[0].TryToPeerInfo(out var found));
        Assert.Equal(target, found.Id);
        Assert.Equal([Addr], found.Multiaddrs);
    }

    [Fact]
    public void FindNode_PeerOnlyInTheTable_IsAmongTheCloserPeers()
    {
        var target = _table[3];

        var reply = Reply(new KadMessage { Type = KadMessageType.FindNode, Key = target.Id.Bytes });

        Assert.Single(reply.CloserPeers, p => p.Id.Span.SequenceEqual(target.Id.Bytes.Span));
        Assert.Equal(KadRequestHandler.DefaultBucketSize, reply.CloserPeers.Count);
    }

    [Fact]
    public void AddProvider_FromTheSenderWithAddresses_IsStoredAndServed()
    {
        var key = Multihash.Sha256("content"u8).Bytes;
        var result = _handler.Handle(AddProvider(key, Sender, Addr), Sender, []);

        Assert.Equal(KadHandlerOutcome.NoReply, result.Outcome);
        var reply = Reply(new KadMessage { Type = KadMessageType.GetProviders, Key = key });
        Assert.True(Assert.Single(reply.ProviderPeers).TryToPeerInfo(out var provider));
        Assert.Equal(Sender, provider.Id);
        Assert.Equal([Addr], provider.Multiaddrs);
        Assert.Equal(KadRequestHandler.DefaultBucketSize, reply.CloserPeers.Count);
    }

    [Fact]
    public void AddProvider_WildcardAmongAddresses_OnlyTheDialableOnesServed()
    {
        var key = Multihash.Sha256("content"u8).Bytes;
        _handler.Handle(AddProvider(key, Sender, Multiaddr.Parse("/ip4/0.0.0.0/tcp/4001"), Addr, Multiaddr.Parse("/ip6/::/tcp/4001")), Sender, []);

        var reply = Reply(new KadMessage { Type = KadMessageType.GetProviders, Key = key });
        Assert.True(Assert.Single(reply.ProviderPeers).TryToPeerInfo(out var provider));
        Assert.Equal([Addr], provider.Multiaddrs);
        Assert.True(new KadPeer(Sender.Bytes, [Multiaddr.Parse("/ip4/0.0.0.0/tcp/1").Bytes, Addr.Bytes]).TryToPeerInfo(out var read));
        Assert.Equal([Addr], read.Multiaddrs);
    }

    public static TheoryData<string> HostileProvides => ["oversize key", "not a multihash", "empty key", "other peer's id", "no addresses", "unparseable addresses", "unspecified addresses only"];

    [Theory]
    [MemberData(nameof(HostileProvides))]
    public void AddProvider_Hostile_LeavesTheStoreUnchanged(string kind)
    {
        var key = Multihash.Sha256("content"u8).Bytes;
        var request = kind switch
        {
            "oversize key" => AddProvider(Multihash.Identity(new byte[79]).Bytes, Sender, Addr),
            "not a multihash" => AddProvider(new byte[] { 0x12, 0x20, 1 }, Sender, Addr),
            "empty key" => AddProvider(ReadOnlyMemory<byte>.Empty, Sender, Addr),
            "other peer's id" => AddProvider(key, Ed25519PrivateKey.Generate().PeerId, Addr),
            "no addresses" => AddProvider(key, Sender),
            "unspecified addresses only" => AddProvider(key, Sender, Multiaddr.Parse("/ip4/0.0.0.0/tcp/4001"), Multiaddr.Parse("/ip6/::/tcp/4001")),
            _ => new KadMessage { Type = KadMessageType.AddProvider, Key = key, ProviderPeers = [new KadPeer(Sender.Bytes, [new byte[] { 0xFF, 0xFF }])] },
        };

        var result = _handler.Handle(request, Sender, [Addr]);

        Assert.Equal(request.Key.IsEmpty || request.Key.Length > 80 || kind == "not a multihash" ? KadHandlerOutcome.Reset : KadHandlerOutcome.NoReply, result.Outcome);
        Assert.Equal(0, _providers.KeyCount);
    }

    [Fact]
    public void PutValue_ValidIpnsRecord_IsStoredEchoedAndServed()
    {
        var key = IpnsRecord.KeyFor(_senderKey.PeerId);
        var value = IpnsRecord.Create(_senderKey, "/ipfs/x"u8, 1, _time.GetUtcNow().AddDays(1), TimeSpan.FromMinutes(5));
        var request = new KadMessage { Type = KadMessageType.PutValue, Key = key, Record = new KadRecord(key, value) };

        var result = _handler.Handle(request, Sender, []);
        var reply = Reply(new KadMessage { Type = KadMessageType.GetValue, Key = key });

        Assert.Same(request, result.Reply);
        Assert.Equal(value, reply.Record!.Value.ToArray());
        Assert.Equal("2026-12-01T00:00:00Z", reply.Record.TimeReceived);
    }

    [Fact]
    public void PutValue_PublicKeyRecord_IsStored()
    {
        var key = PublicKeyRecordValidator.KeyFor(_senderKey.PeerId);
        var request = new KadMessage { Type = KadMessageType.PutValue, Key = key, Record = new KadRecord(key, _senderKey.PublicKey.Marshal()) };

        Assert.Equal(KadHandlerOutcome.Reply, _handler.Handle(request, Sender, []).Outcome);
        Assert.Equal(1, _records.Count);
    }

    public static TheoryData<string> HostilePuts => ["bad signature", "unknown namespace", "key mismatch", "no record", "wrong /pk/ key", "older sequence", "expired"];

    [Theory]
    [MemberData(nameof(HostilePuts))]
    public void PutValue_Hostile_ResetsAndLeavesTheStoreUnchanged(string kind)
    {
        var key = IpnsRecord.KeyFor(_senderKey.PeerId);
        var stored = IpnsRecord.Create(_senderKey, "/ipfs/x"u8, 5, _time.GetUtcNow().AddDays(1), TimeSpan.Zero);
        Assert.Equal(RecordPutStatus.Stored, _records.Put(key, stored));
        var good = IpnsRecord.Create(_senderKey, "/ipfs/y"u8, 6, _time.GetUtcNow().AddDays(1), TimeSpan.Zero);
        var badSignature = (byte[])good.Clone();
        badSignature[^40] ^= 1;
        var pkKey = PublicKeyRecordValidator.KeyFor(_senderKey.PeerId);
        var request = kind switch
        {
            "bad signature" => Put(key, key, badSignature),
            "unknown namespace" => Put("/v/x"u8.ToArray(), "/v/x"u8.ToArray(), good),
            "key mismatch" => Put(key, IpnsRecord.KeyFor(Ed25519PrivateKey.Generate().PeerId), good),
            "no record" => new KadMessage { Type = KadMessageType.PutValue, Key = key },
            "wrong /pk/ key" => Put(pkKey, pkKey, Ed25519PrivateKey.Generate().PublicKey.Marshal()),
            "older sequence" => Put(key, key, IpnsRecord.Create(_senderKey, "/ipfs/z"u8, 4, _time.GetUtcNow().AddDays(9), TimeSpan.Zero)),
            _ => Put(key, key, IpnsRecord.Create(_senderKey, "/ipfs/z"u8, 9, _time.GetUtcNow().AddTicks(-1), TimeSpan.Zero)),
        };

        var result = _handler.Handle(request, Sender, []);

        Assert.Equal(KadHandlerOutcome.Reset, result.Outcome);
        Assert.Equal(1, _records.Count);
        Assert.Equal(stored, _records.Get(key)!.Value.ToArray());
    }

    [Fact]
    public void Ping_IsAnswered()
    {
        Assert.Equal(KadMessageType.Ping, Reply(new KadMessage { Type = KadMessageType.Ping }).Type);
    }

    [Theory]
    [InlineData(KadMessageType.FindNode)]
    [InlineData(KadMessageType.GetValue)]
    [InlineData(KadMessageType.GetProviders)]
    [InlineData((KadMessageType)6)]
    public void Handle_EmptyKeyOrUnknownType_Resets(KadMessageType type)
    {
        Assert.Equal(KadHandlerOutcome.Reset, _handler.Handle(new KadMessage { Type = type }, Sender, []).Outcome);
    }

    private static KadMessage AddProvider(ReadOnlyMemory<byte> key, PeerId provider, params Multiaddr[] addrs) =>
        new() { Type = KadMessageType.AddProvider, Key = key, ProviderPeers = [KadPeer.FromPeerInfo(new PeerInfo(provider, addrs))] };

    private static KadMessage Put(byte[] key, byte[] recordKey, byte[] value) =>
        new() { Type = KadMessageType.PutValue, Key = key, Record = new KadRecord(recordKey, value) };

    private KadMessage Reply(KadMessage request)
    {
        var result = _handler.Handle(request, Sender, [Addr]);
        Assert.Equal(KadHandlerOutcome.Reply, result.Outcome);
        return result.Reply!;
    }

    private IReadOnlyList<PeerInfo> Closest(ReadOnlySpan<byte> kademliaKey, int count)
    {
        Assert.Equal(IpfsKey.Length, kademliaKey.Length);
        return _table.Take(count).ToList();
    }
}
