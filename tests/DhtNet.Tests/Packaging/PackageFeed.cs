using DhtNet.Tests.Cli;

namespace DhtNet.Tests.Packaging;

/// <summary>
/// A local feed in a temp folder with the packages of src/ packed from the solution's build (as
/// scripts/pack.sh does, without building again), and a NuGet cache of its own so that a package
/// of the same version packed earlier is never installed in place of this one.
/// </summary>
public sealed class PackageFeed : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);

    public string Folder { get; } = Directory.CreateTempSubdirectory("dhtnet-feed-").FullName;

    public string Feed => Path.Combine(Folder, "feed");

    /// <summary>Variables for every dotnet command run against the feed.</summary>
    public IReadOnlyDictionary<string, string?> Environment => new Dictionary<string, string?>
    {
        ["NUGET_PACKAGES"] = Path.Combine(Folder, "packages"),
        ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
        ["DOTNET_NOLOGO"] = "1",
    };

    /// <summary>The version the packages got (Directory.Build.props's), read back from the tool package's name.</summary>
    public string Version { get; private set; } = "";

    public string Package(string id) => Path.Combine(Feed, $"{id}.{Version}.nupkg");

    public async Task InitializeAsync()
    {
        foreach (string project in new[] { "DhtNet", "DhtNet.Cli" })
        {
            var pack = await CliProcess.RunProgramAsync(
                Timeout,
                "dotnet",
                ["pack", Path.Combine(RepositoryPaths.Root, "src", project), "-c", RepositoryPaths.Configuration, "--no-build", "-nologo", "-v", "q", "-o", Feed],
                Environment);
            Assert.True(pack.ExitCode == 0, $"dotnet pack {project}: {pack}");
        }

        string tool = Directory.GetFiles(Feed, "DhtNet.Tool.*.nupkg").Single();
        Version = Path.GetFileNameWithoutExtension(tool)["DhtNet.Tool.".Length..];
    }

    /// <summary>Runs dotnet with the feed's environment.</summary>
    internal Task<CliResult> DotnetAsync(params string[] args) => CliProcess.RunProgramAsync(Timeout, "dotnet", args, Environment);

    public Task DisposeAsync()
    {
        Directory.Delete(Folder, recursive: true);
        return Task.CompletedTask;
    }
}
