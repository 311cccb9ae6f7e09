using System.Diagnostics;

namespace DhtNet.Interop.Tests.Harness;

/// <summary>
/// Checks that a peer is installed and otherwise fails the test (never skips it): a missing peer
/// must show up as red, with the command that installs it.
/// </summary>
public static class PeerRequirements
{
    /// <summary>What to run when a peer is missing.</summary>
    public const string InstallHint = "Install the interop peers with `bash scripts/install-peers.sh` (as root, for the Debian packages).";

    private static readonly Lazy<string?> Libtorrent = new(CheckLibtorrent);
    private static readonly Lazy<string?> BittorrentDht = new(CheckBittorrentDht);
    private static readonly Lazy<string?> Aria2 = new(CheckAria2);

    /// <summary>libtorrent's Python bindings for <see cref="PeerPaths.SystemPython"/>.</summary>
    public static void RequireLibtorrent() => Require("libtorrent (python3-libtorrent)", Libtorrent.Value);

    /// <summary>node and bittorrent-dht in the peers folder's node_modules.</summary>
    public static void RequireBittorrentDht() => Require("bittorrent-dht (node + npm ci)", BittorrentDht.Value);

    /// <summary>aria2c on PATH.</summary>
    public static void RequireAria2() => Require("aria2 (aria2c)", Aria2.Value);

    private static void Require(string peer, string? problem)
    {
        if (problem is not null)
        {
            Assert.Fail($"{peer} is not usable: {problem}. {InstallHint}");
        }
    }

    private static string? CheckLibtorrent()
    {
        if (!File.Exists(PeerPaths.SystemPython))
        {
            return $"{PeerPaths.SystemPython} does not exist";
        }

        return Run(PeerPaths.SystemPython, ["-c", "import libtorrent"]) is { } error
            ? $"{PeerPaths.SystemPython} cannot import libtorrent ({error})"
            : null;
    }

    private static string? CheckBittorrentDht()
    {
        if (PeerPaths.FindOnPath("node") is null)
        {
            return "node is not on PATH";
        }

        string package = Path.Combine(PeerPaths.PeersDirectory, "node_modules", "bittorrent-dht", "package.json");
        return File.Exists(package) ? null : $"{package} does not exist";
    }

    private static string? CheckAria2() =>
        PeerPaths.FindOnPath("aria2c") is null ? "aria2c is not on PATH" : null;

    /// <summary>Runs a short check; null when it exited 0, else what went wrong.</summary>
    private static string? Run(string fileName, string[] arguments)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info);
        if (process is null)
        {
            return "could not start it";
        }

        var stderr = process.StandardError.ReadToEndAsync();
        _ = process.StandardOutput.ReadToEndAsync();
        if (!process.WaitForExit(30_000))
        {
            process.Kill(entireProcessTree: true);
            return "it did not finish within 30 s";
        }

        return process.ExitCode == 0 ? null : $"exit code {process.ExitCode}: {stderr.Result.Trim()}";
    }
}
