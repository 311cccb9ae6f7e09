namespace DhtNet.Tests.LibP2p.Host;

/// <summary>
/// Announce, AppendAnnounce and NoAnnounce as kubo's Addresses.* define them: Announce replaces the found
/// addresses, AppendAnnounce adds, NoAnnounce (an address or an /ipcidr/ mask) removes and wins; at most 16.
/// </summary>
public sealed class AnnouncePolicyTests
{
    private static readonly PeerId Self = Ed25519PrivateKey.Generate().PeerId;
    private static readonly PeerId Other = Ed25519PrivateKey.Generate().PeerId;

    private static readonly Multiaddr[] Found =
    [
        Multiaddr.Parse("/ip4/192.168.1.5/tcp/4001"),
        Multiaddr.Parse("/ip4/10.1.2.3/tcp/4001"),
        Multiaddr.Parse("/ip6/fd00::5/tcp/4001"),
        Multiaddr.Parse("/ip4/127.0.0.1/tcp/4001"),
        Multiaddr.Parse("/ip6/::1/tcp/4001"),
    ];

    [Theory]
    [InlineData("Announce", "/ip4/0.0.0.0/tcp/4001", "unspecified")]
    [InlineData("Announce", "/ip6/::/tcp/4001", "unspecified")]
    [InlineData("AppendAnnounce", "/ip4/0.0.0.0/udp/4001/quic-v1", "unspecified")]
    [InlineData("Announce", "/ip4/203.0.113.7", "no transport")]
    [InlineData("Announce", "/dns4/example.org", "no transport")]
    [InlineData("AppendAnnounce", "/ip4/203.0.113.7/ipcidr/24", "no transport")]
    [InlineData("Announce", "/ip4/203.0.113.7/tcp/0", "port 0")]
    [InlineData("Announce", "/p2p-circuit", "host")]
    [InlineData("NoAnnounce", "/ip4/10.0.0.0/ipcidr/33", "prefix of 33 bits")]
    [InlineData("NoAnnounce", "/ip6/fd00::/ipcidr/129", "prefix of 129 bits")]
    [InlineData("NoAnnounce", "/ip4/10.0.0.1", "no transport")]
    public void Create_AddressPeersCannotDial_ThrowsNamingTheOption(string option, string address, string reason)
    {
        var e = Assert.Throws<ArgumentException>(() => AnnouncePolicy.Create(Options(option, Multiaddr.Parse(address)), Self));
        Assert.Equal(option, e.ParamName);
        Assert.Contains(address, e.Message, StringComparison.Ordinal);
        Assert.Contains(reason, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Announce")]
    [InlineData("AppendAnnounce")]
    [InlineData("NoAnnounce")]
    public void Create_AddressOfAnotherPeer_ThrowsNamingTheOption(string option)
    {
        var address = Multiaddr.Parse("/ip4/203.0.113.7/tcp/4001").WithPeerId(Other);
        var e = Assert.Throws<ArgumentException>(() => AnnouncePolicy.Create(Options(option, address), Self));
        Assert.Equal(option, e.ParamName);
        Assert.Contains(Other.ToString(), e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_OwnPeerIdOnAddress_AdvertisedWithout()
    {
        var policy = AnnouncePolicy.Create(new LibP2pHostOptions { Announce = [Multiaddr.Parse("/ip4/203.0.113.7/tcp/4001").WithPeerId(Self)] }, Self);
        Assert.Equal([Multiaddr.Parse("/ip4/203.0.113.7/tcp/4001")], policy.Apply(Found));
    }

    [Theory]
    [InlineData(17, 0, "Announce")]
    [InlineData(10, 7, "AppendAnnounce")]
    [InlineData(0, 17, "AppendAnnounce")]
    public void Create_MoreThan16Announced_ThrowsNamingTheOption(int announce, int append, string option)
    {
        var options = new LibP2pHostOptions { Announce = Addresses(0, announce), AppendAnnounce = Addresses(100, append) };
        Assert.Equal(option, Assert.Throws<ArgumentException>(() => AnnouncePolicy.Create(options, Self)).ParamName);
    }

    [Fact]
    public void Create_65NoAnnounceEntries_Throws()
    {
        var options = new LibP2pHostOptions { NoAnnounce = Addresses(0, AnnouncePolicy.MaxNoAnnounce + 1) };
        Assert.Equal("NoAnnounce", Assert.Throws<ArgumentException>(() => AnnouncePolicy.Create(options, Self)).ParamName);
        AnnouncePolicy.Create(new LibP2pHostOptions { NoAnnounce = Addresses(0, AnnouncePolicy.MaxNoAnnounce) }, Self);
    }

    [Fact]
    public void Create_SameAddressInAnnounceAndAppend_CountedOnce()
    {
        var options = new LibP2pHostOptions { Announce = Addresses(0, 16), AppendAnnounce = Addresses(0, 16) };
        Assert.Equal(Addresses(0, 16), AnnouncePolicy.Create(options, Self).Apply(Found));
    }

    [Theory]
    // Nothing set: the found addresses as they are.
    [InlineData("", "", "", "/ip4/192.168.1.5/tcp/4001 /ip4/10.1.2.3/tcp/4001 /ip6/fd00::5/tcp/4001 /ip4/127.0.0.1/tcp/4001 /ip6/::1/tcp/4001")]
    // Announce replaces them, whatever was found.
    [InlineData("/ip4/203.0.113.7/tcp/4001", "", "", "/ip4/203.0.113.7/tcp/4001")]
    [InlineData("/ip4/203.0.113.7/tcp/4001 /dns4/node.example.org/tcp/4001", "", "", "/ip4/203.0.113.7/tcp/4001 /dns4/node.example.org/tcp/4001")]
    // AppendAnnounce adds to the found addresses, or to Announce.
    [InlineData("", "/ip4/203.0.113.7/tcp/4001", "/ip4/127.0.0.0/ipcidr/8 /ip6/::1/tcp/4001", "/ip4/192.168.1.5/tcp/4001 /ip4/10.1.2.3/tcp/4001 /ip6/fd00::5/tcp/4001 /ip4/203.0.113.7/tcp/4001")]
    [InlineData("/ip4/203.0.113.7/tcp/4001", "/ip6/2001:db8::7/tcp/4001", "", "/ip4/203.0.113.7/tcp/4001 /ip6/2001:db8::7/tcp/4001")]
    [InlineData("", "/ip4/10.1.2.3/tcp/4001", "", "/ip4/192.168.1.5/tcp/4001 /ip6/fd00::5/tcp/4001 /ip4/127.0.0.1/tcp/4001 /ip6/::1/tcp/4001 /ip4/10.1.2.3/tcp/4001")]
    // NoAnnounce by address and by mask, over found, announced and appended addresses alike.
    [InlineData("", "", "/ip4/192.168.1.5/tcp/4001", "/ip4/10.1.2.3/tcp/4001 /ip6/fd00::5/tcp/4001 /ip4/127.0.0.1/tcp/4001 /ip6/::1/tcp/4001")]
    [InlineData("", "", "/ip4/192.168.1.5/tcp/4002", "/ip4/192.168.1.5/tcp/4001 /ip4/10.1.2.3/tcp/4001 /ip6/fd00::5/tcp/4001 /ip4/127.0.0.1/tcp/4001 /ip6/::1/tcp/4001")]
    [InlineData("", "", "/ip4/10.0.0.0/ipcidr/8 /ip4/192.168.0.0/ipcidr/16 /ip6/fc00::/ipcidr/7", "/ip4/127.0.0.1/tcp/4001 /ip6/::1/tcp/4001")]
    [InlineData("", "", "/ip4/10.1.2.0/ipcidr/23", "/ip4/192.168.1.5/tcp/4001 /ip6/fd00::5/tcp/4001 /ip4/127.0.0.1/tcp/4001 /ip6/::1/tcp/4001")]
    [InlineData("", "", "/ip4/10.1.4.0/ipcidr/23", "/ip4/192.168.1.5/tcp/4001 /ip4/10.1.2.3/tcp/4001 /ip6/fd00::5/tcp/4001 /ip4/127.0.0.1/tcp/4001 /ip6/::1/tcp/4001")]
    [InlineData("", "", "/ip4/0.0.0.0/ipcidr/0", "/ip6/fd00::5/tcp/4001 /ip6/::1/tcp/4001")]
    [InlineData("", "", "/ip6/::1/ipcidr/128 /ip4/127.0.0.1/ipcidr/32", "/ip4/192.168.1.5/tcp/4001 /ip4/10.1.2.3/tcp/4001 /ip6/fd00::5/tcp/4001")]
    [InlineData("/ip4/203.0.113.7/tcp/4001 /ip4/10.9.9.9/tcp/4001", "/ip4/10.8.8.8/tcp/4001", "/ip4/10.0.0.0/ipcidr/8", "/ip4/203.0.113.7/tcp/4001")]
    [InlineData("/dns4/node.example.org/tcp/4001", "", "/ip4/0.0.0.0/ipcidr/0 /ip6/::/ipcidr/0", "/dns4/node.example.org/tcp/4001")]
    public void Apply_Options_AdvertisesAsKuboDoes(string announce, string append, string noAnnounce, string expected)
    {
        var options = new LibP2pHostOptions { Announce = Parse(announce), AppendAnnounce = Parse(append), NoAnnounce = Parse(noAnnounce) };
        Assert.Equal(Parse(expected), AnnouncePolicy.Create(options, Self).Apply(Found));
    }

    [Fact]
    public void Apply_16FoundAndAppended_CapKeepsAppendedAndDropsFoundFromTheEnd()
    {
        var found = Addresses(0, 16);
        var policy = AnnouncePolicy.Create(new LibP2pHostOptions { AppendAnnounce = Addresses(100, 3) }, Self);
        var advertised = policy.Apply(found);
        Assert.Equal(UnspecifiedAddresses.Max, advertised.Count);
        Assert.Equal([.. found.Take(13), .. Addresses(100, 3)], advertised);
    }

    private static LibP2pHostOptions Options(string option, Multiaddr address) => option switch
    {
        "Announce" => new LibP2pHostOptions { Announce = [address] },
        "AppendAnnounce" => new LibP2pHostOptions { AppendAnnounce = [address] },
        "NoAnnounce" => new LibP2pHostOptions { NoAnnounce = [address] },
        _ => throw new ArgumentOutOfRangeException(nameof(option)),
    };

    private static Multiaddr[] Parse(string addresses) =>
        [.. addresses.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(Multiaddr.Parse)];

    private static Multiaddr[] Addresses(int first, int count) =>
        [.. Enumerable.Range(first, count).Select(i => Multiaddr.Parse($"/ip4/198.51.100.{i}/tcp/4001"))];
}
