using System.Diagnostics;
using DhtNet.Interop.Tests.Harness;

namespace DhtNet.Interop.Tests;

public class PeerProcessTests
{
    [Fact]
    public async Task SendAsync_UnknownCommand_ThrowsWithDriverError()
    {
        PeerRequirements.RequireBittorrentDht();
        await using var process = PeerProcess.Start("bittorrent-dht", "node", ["bittorrent-dht-peer.mjs"], PeerPaths.PeersDirectory);

        var error = await Assert.ThrowsAsync<PeerCommandException>(() => process.SendAsync("noSuchCommand"));

        Assert.Contains("unknown command", error.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendAsync_CommandBeforeStart_ThrowsWithDriverError()
    {
        PeerRequirements.RequireLibtorrent();
        await using var process = PeerProcess.Start("libtorrent", PeerPaths.SystemPython, ["libtorrent-peer.py"], PeerPaths.PeersDirectory);

        var error = await Assert.ThrowsAsync<PeerCommandException>(() => process.SendAsync("nodes"));

        Assert.Equal("start first", error.Error);
    }

    [Fact]
    public async Task DisposeAsync_StartedPeers_LeavesNoProcessRunning()
    {
        var libtorrent = await LibtorrentPeer.StartAsync();
        var bittorrentDht = await BittorrentDhtPeer.StartAsync(bootstrap: [libtorrent.EndPoint]);
        int[] ids = [libtorrent.Process.ProcessId, bittorrentDht.Process.ProcessId];

        await bittorrentDht.DisposeAsync();
        await libtorrent.DisposeAsync();

        foreach (int id in ids)
        {
            Assert.False(IsRunning(id), $"process {id} is still running");
        }
    }

    [Fact]
    public async Task SendAsync_DriverGone_FailsInsteadOfHanging()
    {
        var peer = await BittorrentDhtPeer.StartAsync();
        await peer.DisposeAsync();

        await Assert.ThrowsAsync<PeerCommandException>(() => peer.NodesAsync());
    }

    private static bool IsRunning(int processId)
    {
        try
        {
            using var process = Process.GetProcessById(processId);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
