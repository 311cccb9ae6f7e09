using System.Text.RegularExpressions;

namespace DhtNet.Cli.Output;

/// <summary>
/// The `dht ...` command lines the tool suggests, written so they run as printed: with the command
/// that started this process, quoted for a POSIX shell, and carrying the options that made this
/// one work (a local --bootstrap, a --salt).
/// </summary>
internal static partial class Hints
{
    /// <summary>
    /// How to run this tool again: "dht" when it is the installed tool on the PATH; the full path of
    /// the tool when installed elsewhere (--tool-path); "dotnet run --project src/DhtNet.Cli --" when
    /// built from a source tree; "dotnet path/dht.dll" otherwise.
    /// </summary>
    public static string Self { get; } = FindSelf();

    /// <summary>A command line: <see cref="Self"/>, then <paramref name="words"/> quoted where the shell needs it.</summary>
    public static string Command(params IEnumerable<string> words) => $"{Self} {string.Join(' ', words.Select(Quote))}";

    /// <summary>"--bootstrap a,b" unless the list is a network's default (the public routers, the Amino peers), so nothing to carry.</summary>
    public static IEnumerable<string> Bootstrap(IReadOnlyList<string> bootstrap) =>
        bootstrap.SequenceEqual(DhtOptions.PublicBootstrapNodes) || bootstrap.SequenceEqual(AminoBootstrap.Peers.Select(p => p.ToString()))
            ? []
            : ["--bootstrap", bootstrap.Count == 0 ? "none" : string.Join(',', bootstrap)];

    /// <summary>The word as the shell should see it: bare if safe, else in single quotes.</summary>
    public static string Quote(string word) =>
        word.Length > 0 && SafeWord().IsMatch(word) ? word : $"'{word.Replace("'", "'\\''", StringComparison.Ordinal)}'";

    private static string FindSelf()
    {
        string baseDirectory = AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar);
        // Built from source: the assembly sits in src/DhtNet.Cli/bin/CONFIG/TFM.
        string project = Path.GetFullPath(Path.Combine(baseDirectory, "..", "..", ".."));
        if (File.Exists(Path.Combine(project, "DhtNet.Cli.csproj")))
        {
            string relative = Path.GetRelativePath(Environment.CurrentDirectory, project);
            return $"dotnet run --project {Quote(relative)} --";
        }

        string? process = Environment.ProcessPath;
        string name = Path.GetFileNameWithoutExtension(process ?? "");
        if (process is not null && name == "dht")
        {
            // The tool's launcher: by name when its folder is on the PATH (dotnet tool install -g).
            string? folder = Path.GetDirectoryName(process);
            var path = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
            return path.Any(p => string.Equals(Path.GetFullPath(p).TrimEnd(Path.DirectorySeparatorChar), folder, StringComparison.Ordinal))
                ? "dht"
                : Quote(process);
        }

        return $"dotnet {Quote(Path.Combine(baseDirectory, "dht.dll"))}";
    }

    [GeneratedRegex(@"^[A-Za-z0-9_./:,@+=%-]+$")]
    private static partial Regex SafeWord();
}
