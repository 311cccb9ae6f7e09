namespace DhtNet.Tests;

/// <summary>Where the repository and the build outputs of its other projects are, seen from the test assembly.</summary>
internal static class RepositoryPaths
{
    /// <summary>The folder holding DhtNet.slnx.</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>"Release" or "Debug": the configuration this test assembly was built in (bin/CONFIG/net10.0).</summary>
    public static string Configuration { get; } = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;

    /// <summary>The built assembly of samples/NAME, built with the solution in the same configuration.</summary>
    public static string Sample(string name) =>
        Path.Combine(Root, "samples", name, "bin", Configuration, "net10.0", $"{name}.dll");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "DhtNet.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"no DhtNet.slnx above {AppContext.BaseDirectory}");
    }
}
