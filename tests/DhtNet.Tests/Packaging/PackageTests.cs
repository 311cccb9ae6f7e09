using System.IO.Compression;
using System.Xml.Linq;
using DhtNet.Tests.Cli;

namespace DhtNet.Tests.Packaging;

/// <summary>The packages as a user gets them: metadata, contents, and the tool installed from a local feed and run.</summary>
public sealed class PackageTests(PackageFeed feed) : IClassFixture<PackageFeed>
{
    private static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task Tool_InstalledFromLocalFeed_RunsVersionAndSwarm()
    {
        string dht = await InstallAsync("tools");
        var version = await CliProcess.RunProgramAsync(RunTimeout, dht, ["--version"]);
        Assert.True(version.ExitCode == 0, version.ToString());
        Assert.StartsWith(feed.Version, version.StandardOutput.Trim(), StringComparison.Ordinal);

        var swarm = await CliProcess.RunProgramAsync(RunTimeout, dht, ["swarm", "--nodes", "16"]);
        Assert.True(swarm.ExitCode == 0, swarm.ToString());
        Assert.Contains("16 Mainline nodes and 16 IPFS nodes", swarm.StandardOutput, StringComparison.Ordinal);
        Assert.Matches(@"All \d+ operations succeeded", swarm.StandardOutput);
    }

    [Fact]
    public async Task Tool_SwarmKeepHint_RunsAsPrinted()
    {
        string dht = await InstallAsync("hint-tools");
        await using var swarm = CliProcess.StartProgram(dht, ["swarm", "--nodes", "8", "--keep"]);

        await swarm.ReadLineAsync(l => l == "The network keeps running. From another shell:", RunTimeout);
        string hint = (await swarm.ReadLineAsync(RunTimeout)).Trim();

        // Installed with --tool-path (not on the PATH), the tool names itself by its full path.
        Assert.StartsWith(dht + " query ", hint, StringComparison.Ordinal);
        var query = await CliProcess.RunProgramAsync(RunTimeout, "bash", ["-c", hint]);
        Assert.True(query.ExitCode == 0, query.ToString());
        Assert.Contains("closest to", query.StandardOutput, StringComparison.Ordinal);
        await swarm.TerminateAsync();

        // Exit 4 is an operation that failed (the table says which) or an error while shutting down
        // (stderr says which): the message carries both, since the run cannot be repeated.
        var exit = await swarm.WaitForExitAsync(RunTimeout);
        Assert.True(exit.ExitCode == 0, exit.ToString());
    }

    private async Task<string> InstallAsync(string folder)
    {
        string tools = Path.Combine(feed.Folder, folder);
        var install = await feed.DotnetAsync("tool", "install", "--tool-path", tools, "--add-source", feed.Feed, "DhtNet.Tool", "--version", feed.Version);
        Assert.True(install.ExitCode == 0, install.ToString());
        return Path.Combine(tools, OperatingSystem.IsWindows() ? "dht.exe" : "dht");
    }

    [Theory]
    [InlineData("DhtNet", "")]
    [InlineData("DhtNet.Tool", "DotnetTool")]
    public void Package_Nuspec_HasUserFacingMetadata(string id, string packageType)
    {
        using var package = ZipFile.OpenRead(feed.Package(id));
        var nuspec = XDocument.Load(package.GetEntry($"{id}.nuspec")!.Open());
        XNamespace ns = nuspec.Root!.Name.Namespace;
        var metadata = nuspec.Root.Element(ns + "metadata")!;

        Assert.Equal(id, metadata.Element(ns + "id")!.Value);
        Assert.Equal(feed.Version, metadata.Element(ns + "version")!.Value);
        var license = metadata.Element(ns + "license")!;
        Assert.Equal(("expression", "MIT"), (license.Attribute("type")!.Value, license.Value));
        Assert.Equal("README.md", metadata.Element(ns + "readme")!.Value);
        Assert.NotNull(package.GetEntry("README.md"));
        Assert.DoesNotContain("Package Description", metadata.Element(ns + "description")!.Value, StringComparison.Ordinal);
        Assert.Contains("dht", metadata.Element(ns + "tags")!.Value.Split(' '));
        // SourceLink records the commit the package was built from (the URL too, when the clone has a remote).
        Assert.Matches("^[0-9a-f]{40}$", metadata.Element(ns + "repository")!.Attribute("commit")!.Value);
        var types = metadata.Element(ns + "packageTypes")?.Elements(ns + "packageType").Select(t => t.Attribute("name")!.Value) ?? [];
        Assert.Equal(packageType, string.Join(",", types));
        Assert.True(File.Exists(Path.ChangeExtension(feed.Package(id), ".snupkg")), "symbol package");
    }

    [Fact]
    public void ToolPackage_CarriesEnglishResourcesOnly()
    {
        using var package = ZipFile.OpenRead(feed.Package("DhtNet.Tool"));

        var satellites = package.Entries.Where(e => e.FullName.EndsWith(".resources.dll", StringComparison.Ordinal)).Select(e => e.FullName).ToList();

        Assert.Empty(satellites);
        Assert.NotNull(package.GetEntry("tools/net10.0/any/dht.dll"));
    }
}
