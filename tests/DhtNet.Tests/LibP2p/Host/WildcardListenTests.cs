using System.Net;

namespace DhtNet.Tests.LibP2p.Host;

/// <summary>
/// A host bound to 0.0.0.0 or :: tells peers this machine's interface addresses, and another host dials it at
/// each address identify told it, with no other knowledge of where it listens.
/// </summary>
public sealed class WildcardListenTests
{
    private static readonly TimeSpan Patience = TestHosts.Patience;

    [Theory]
    [InlineData("/ip4/0.0.0.0/tcp/0")]
    [InlineData("/ip6/::/tcp/0")]
    public async Task Identify_HostOnWildcard_PeerDialsEveryAddressItWasTold(string wildcard)
    {
        await using var bound = await TestHosts.StartAsync(listen: wildcard);
        var listening = Assert.Single(bound.ListenAddresses);
        Assert.True(UnspecifiedAddresses.IsUnspecified(listening));
        Assert.Equal(UnspecifiedAddresses.Resolve(bound.ListenAddresses, UnspecifiedAddresses.InterfaceAddresses()), bound.AdvertisedAddresses);
        Assert.NotEmpty(bound.AdvertisedAddresses);

        // The wildcard host dials out; the other learns where to reach it from identify alone.
        await using var other = await TestHosts.StartAsync();
        var learned = new TaskCompletionSource<PeerIdentity>(TaskCreationOptions.RunContinuationsAsynchronously);
        other.PeerIdentified += (_, identity) => learned.TrySetResult(identity);
        await bound.ConnectAsync(TestHosts.AddressOf(other));
        var told = (await learned.Task.WaitAsync(Patience)).ListenAddresses;
        Assert.Equal(bound.AdvertisedAddresses, told);
        Assert.Equal(told, other.GetAddresses(bound.PeerId));

        Assert.True(listening.TryGetTcpEndPoint(out var boundEndPoint));
        foreach (var address in told)
        {
            Assert.False(UnspecifiedAddresses.IsUnspecified(address));
            Assert.True(address.TryGetTcpEndPoint(out var endPoint));
            Assert.Equal(boundEndPoint.AddressFamily, endPoint.AddressFamily);
            Assert.Equal(boundEndPoint.Port, endPoint.Port);
            await using var dialer = await TestHosts.StartAsync();
            var connection = await dialer.ConnectAsync(address.WithPeerId(bound.PeerId));
            Assert.Equal(address, connection.RemoteAddress);
            Assert.Equal([1, 2, 3], await TestHosts.EchoThroughAsync(dialer, bound.PeerId, [1, 2, 3]));
        }
    }

    [Fact]
    public async Task RefreshAdvertisedAddresses_InterfacesChange_ConnectedPeerToldByPush()
    {
        await using var bound = await TestHosts.StartAsync(listen: "/ip4/0.0.0.0/tcp/0");
        await using var other = await TestHosts.StartAsync();
        var identities = new List<PeerIdentity>();
        other.PeerIdentified += (_, identity) =>
        {
            lock (identities)
            {
                identities.Add(identity);
            }
        };
        await bound.ConnectAsync(TestHosts.AddressOf(other));
        await Eventually.UntilAsync(() => other.GetIdentity(bound.PeerId) is not null, patience: Patience);

        Assert.True(bound.ListenAddresses[0].TryGetTcpEndPoint(out var endPoint));
        var moved = Multiaddr.FromTcpEndPoint(new IPEndPoint(IPAddress.Parse("198.51.100.7"), endPoint.Port));
        Assert.True(bound.RefreshAdvertisedAddresses([IPAddress.Parse("198.51.100.7"), IPAddress.Parse("fe80::1"), IPAddress.Loopback]));
        Assert.Equal(moved, bound.AdvertisedAddresses[0]);
        Assert.False(bound.RefreshAdvertisedAddresses([IPAddress.Parse("198.51.100.7"), IPAddress.Loopback]));

        await Eventually.UntilAsync(() => other.GetIdentity(bound.PeerId)?.ListenAddresses.Contains(moved) == true, patience: Patience);
        Assert.Equal(bound.AdvertisedAddresses, other.GetIdentity(bound.PeerId)!.ListenAddresses);
    }

    [Fact]
    public async Task IdentifyPush_PeerTellsWildcard_NeitherLearnedNorDialled()
    {
        // An older or careless peer tells 0.0.0.0: dialling it would reach this machine's own loopback.
        await using var a = await TestHosts.StartAsync();
        await using var b = await TestHosts.StartAsync();
        var connection = await b.ConnectAsync(TestHosts.AddressOf(a));
        await Eventually.UntilAsync(() => a.GetIdentity(b.PeerId) is not null, patience: Patience);
        var real = b.AdvertisedAddresses[0];
        await using (var push = await b.OpenStreamAsync(connection, [IdentifyProtocol.PushId]))
        {
            var told = new IdentifyMessage { ListenAddresses = [Multiaddr.Parse("/ip4/0.0.0.0/tcp/4001"), real, Multiaddr.Parse("/ip6/::/tcp/4001")], HasListenAddresses = true };
            await IdentifyProtocol.WriteAsync(push, told);
            push.CloseWrite();
        }

        await Eventually.UntilAsync(() => a.GetIdentity(b.PeerId)!.ListenAddresses.Count == 1, patience: Patience);
        Assert.Equal(real, Assert.Single(a.GetIdentity(b.PeerId)!.ListenAddresses));
        Assert.DoesNotContain(a.GetAddresses(b.PeerId), UnspecifiedAddresses.IsUnspecified);

        await using var c = await TestHosts.StartAsync();
        c.AddAddresses(b.PeerId, [Multiaddr.Parse("/ip4/0.0.0.0/tcp/4001"), Multiaddr.Parse("/ip6/::/tcp/4001")]);
        var refused = await Assert.ThrowsAsync<IOException>(() => c.ConnectAsync(b.PeerId));
        Assert.Contains("No TCP address", refused.Message, StringComparison.Ordinal);
    }
}
