namespace DhtNet.Interop.Tests.Harness;

/// <summary>Where the drivers and the peers' executables are.</summary>
public static class PeerPaths
{
    private static readonly Lazy<string> Peers = new(FindPeersDirectory);

    /// <summary>The system interpreter: Debian's python3-libtorrent is installed for it alone.</summary>
    public const string SystemPython = "/usr/bin/python3";

    /// <summary>tests/DhtNet.Interop.Tests/peers in the source tree (node_modules is installed there).</summary>
    public static string PeersDirectory => Peers.Value;

    /// <summary>The full path of <paramref name="name"/> on PATH, or null.</summary>
    public static string? FindOnPath(string name)
    {
        string? path = Environment.GetEnvironmentVariable("PATH");
        if (path is null)
        {
            return null;
        }

        foreach (string directory in path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(directory, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    private static string FindPeersDirectory()
    {
        // The test assembly runs from bin/<config>/<tfm>/ under the project: walk up to the sources.
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            string candidate = Path.Combine(directory.FullName, "tests", "DhtNet.Interop.Tests", "peers");
            if (File.Exists(Path.Combine(candidate, "bittorrent-dht-peer.mjs")))
            {
                return candidate;
            }

            if (File.Exists(Path.Combine(directory.FullName, "peers", "bittorrent-dht-peer.mjs")))
            {
                return Path.Combine(directory.FullName, "peers");
            }
        }

        throw new DirectoryNotFoundException($"No tests/DhtNet.Interop.Tests/peers above {AppContext.BaseDirectory}.");
    }
}
