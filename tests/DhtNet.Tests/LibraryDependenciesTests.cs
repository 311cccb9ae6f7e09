using System.Reflection;
using System.Runtime.InteropServices;

namespace DhtNet.Tests;

/// <summary>
/// What an app that embeds DhtNet.dll takes on: the base framework and a few packages, no ASP.NET Core
/// shared framework and no test infrastructure.
/// </summary>
public class LibraryDependenciesTests
{
    // The packages DhtNet.csproj references (and their own dependencies that the library names).
    private static readonly string[] AllowedPackageAssemblies =
    [
        "Microsoft.Extensions.Logging.Abstractions",
        "NSec.Cryptography",
        "Microsoft.Data.Sqlite",
        "SQLitePCLRaw.core", // Microsoft.Data.Sqlite's own; the state store appends rows through it
        "BouncyCastle.Cryptography",
        "SimpleBase",
        "System.Formats.Cbor",
    ];

    private static readonly Assembly Library = typeof(DhtNode).Assembly;

    [Fact]
    public void ReferencedAssemblies_IncludeNoAspNetCoreAssembly()
    {
        var names = Array.ConvertAll(Library.GetReferencedAssemblies(), a => a.Name!);

        Assert.Contains("Microsoft.Extensions.Logging.Abstractions", names);
        Assert.DoesNotContain(names, name => name.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal));
    }

    [Fact]
    public void ReferencedAssemblies_AreBaseFrameworkOrReferencedPackages()
    {
        // Microsoft.NETCore.App's directory: an assembly outside it came from a package or another
        // shared framework (Microsoft.Extensions.Hosting, say, would come from ASP.NET Core's).
        string baseFramework = RuntimeEnvironment.GetRuntimeDirectory();

        var strays = new List<string>();
        foreach (var reference in Library.GetReferencedAssemblies())
        {
            string name = reference.Name!;
            if (!File.Exists(Path.Combine(baseFramework, name + ".dll")) && !AllowedPackageAssemblies.Contains(name))
            {
                strays.Add(name);
            }
        }

        Assert.Empty(strays);
    }

    [Fact]
    public void LibraryTypes_IncludeNoSimulator()
    {
        Assert.NotEqual(Library, typeof(VirtualTimeProvider).Assembly);
        Assert.NotEqual(Library, typeof(InMemoryNetwork).Assembly);
        Assert.DoesNotContain(Library.GetTypes(), type => type.Namespace is "DhtNet.Simulation" or "DhtNet.Clock");
    }
}
