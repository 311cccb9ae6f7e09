using System.Net;
using DhtNet.Mainline.Operations;

namespace DhtNet.Tests.Node;

/// <summary>
/// The stream findprovs yields peers through. Replies are handled on several threads, so the lookups may end
/// (enough found, timeout, done) while another reply is between counting a peer and handing it to the reader:
/// the peer must still reach the reader. (Lost, it made a findprovs of one provider come back empty now and
/// then under load: the API benchmark's "the provider was not found".)
/// </summary>
public sealed class FindProvidersStreamTests
{
    private static readonly IPEndPoint From = new(IPAddress.Loopback, 6881);

    [Fact]
    public async Task Offer_LookupsEndWhileThePeerIsHandedOver_PeerYieldedThenStreamEnds()
    {
        var peer = new IPEndPoint(IPAddress.Parse("10.0.0.1"), 51413);
        FindProvidersOperation.ProviderStream? stream = null;

        // The found-event runs between counting and handing over: end the lookups there, as another thread may.
        stream = new FindProvidersOperation.ProviderStream(1, (_, _) => stream!.End());
        bool wantMore = stream.Offer(peer, From);

        Assert.False(wantMore);
        Assert.Equal([peer], await ReadAllAsync(stream));
    }

    [Fact]
    public async Task End_NothingBeingHandedOver_StreamEndsAtOnce()
    {
        var stream = new FindProvidersOperation.ProviderStream(5, (_, _) => { });
        var peer = new IPEndPoint(IPAddress.Parse("10.0.0.2"), 6881);
        Assert.True(stream.Offer(peer, From));

        stream.End();

        Assert.Equal([peer], await ReadAllAsync(stream));
    }

    [Fact]
    public async Task Offer_RepeatAndBeyondMax_NotYieldedAndNotToldAgain()
    {
        var told = new List<IPEndPoint>();
        var stream = new FindProvidersOperation.ProviderStream(2, (p, _) => told.Add(p));
        var first = new IPEndPoint(IPAddress.Parse("10.0.0.3"), 6881);
        var second = new IPEndPoint(IPAddress.Parse("10.0.0.4"), 6881);

        Assert.True(stream.Offer(first, From));
        Assert.True(stream.Offer(first, From));
        Assert.False(stream.Offer(second, From));
        Assert.False(stream.Offer(new IPEndPoint(IPAddress.Parse("10.0.0.5"), 6881), From));
        stream.End();
        stream.End();

        Assert.Equal([first, second], told);
        Assert.Equal([first, second], await ReadAllAsync(stream));
    }

    private static async Task<List<IPEndPoint>> ReadAllAsync(FindProvidersOperation.ProviderStream stream)
    {
        var peers = new List<IPEndPoint>();
        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await foreach (var peer in stream.Found.Reader.ReadAllAsync(patience.Token))
        {
            peers.Add(peer);
        }

        return peers;
    }
}
