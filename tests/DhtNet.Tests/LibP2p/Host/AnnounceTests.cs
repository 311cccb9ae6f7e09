using System.Net;

namespace DhtNet.Tests.LibP2p.Host;

/// <summary>
/// A host told what to announce: its peers learn exactly those addresses through identify, and a NoAnnounce
/// mask keeps matching interface addresses of a wildcard out of what it tells.
/// </summary>
public sealed class AnnounceTests
{
    private static readonly TimeSpan Patience = TestHosts.Patience;

    [Fact]
    public async Task Identify_HostWithAnnounce_PeerLearnsExactlyThoseAddresses()
    {
        Multiaddr[] announce = [Multiaddr.Parse("/ip4/203.0.113.7/tcp/4001"), Multiaddr.Parse("/dns4/node.example.org/tcp/4001")];
        var key = Ed25519PrivateKey.Generate();
        await using var announcing = new LibP2pHost(key, new LibP2pHostOptions
        {
            ListenAddresses = [Multiaddr.Parse("/ip4/127.0.0.1/tcp/0")],
            Announce = [announce[0].WithPeerId(key.PeerId), announce[1]],
        });
        await announcing.StartAsync();
        Assert.Equal(announce, announcing.AdvertisedAddresses);

        // The other host dials the real listen address and learns where it is told to dial from identify.
        await using var other = await TestHosts.StartAsync();
        var learned = new TaskCompletionSource<PeerIdentity>(TaskCreationOptions.RunContinuationsAsynchronously);
        other.PeerIdentified += (_, identity) => learned.TrySetResult(identity);
        await other.ConnectAsync(TestHosts.AddressOf(announcing));
        Assert.Equal(announce, (await learned.Task.WaitAsync(Patience)).ListenAddresses);
    }

    [Fact]
    public async Task AdvertisedAddresses_NoAnnounceCidrOnWildcard_MatchingInterfaceAddressesLeftOut()
    {
        await using var host = new LibP2pHost(Ed25519PrivateKey.Generate(), new LibP2pHostOptions
        {
            ListenAddresses = [Multiaddr.Parse("/ip4/0.0.0.0/tcp/0")],
            NoAnnounce = [Multiaddr.Parse("/ip4/127.0.0.0/ipcidr/8"), Multiaddr.Parse("/ip4/198.51.100.0/ipcidr/24")],
        });
        await host.StartAsync();
        Assert.DoesNotContain(host.AdvertisedAddresses, a => a.ToString().StartsWith("/ip4/127.", StringComparison.Ordinal));

        // Interfaces given, so the test does not depend on this machine's: two masked, one kept.
        Assert.True(host.ListenAddresses[0].TryGetTcpEndPoint(out var bound));
        host.RefreshAdvertisedAddresses([IPAddress.Parse("198.51.100.7"), IPAddress.Parse("203.0.113.9"), IPAddress.Loopback]);
        Assert.Equal([Multiaddr.FromTcpEndPoint(new IPEndPoint(IPAddress.Parse("203.0.113.9"), bound.Port))], host.AdvertisedAddresses);

        // A peer dialling in is told the same.
        await using var other = await TestHosts.StartAsync();
        await host.ConnectAsync(TestHosts.AddressOf(other));
        await Eventually.UntilAsync(() => other.GetIdentity(host.PeerId) is not null, patience: Patience);
        Assert.Equal(host.AdvertisedAddresses, other.GetIdentity(host.PeerId)!.ListenAddresses);
    }

    [Fact]
    public void Constructor_AnnounceUnspecified_ThrowsNamingAnnounce()
    {
        var e = Assert.Throws<ArgumentException>(() => new LibP2pHost(Ed25519PrivateKey.Generate(), new LibP2pHostOptions { Announce = [Multiaddr.Parse("/ip4/0.0.0.0/tcp/4001")] }));
        Assert.Equal(nameof(LibP2pHostOptions.Announce), e.ParamName);
    }
}
