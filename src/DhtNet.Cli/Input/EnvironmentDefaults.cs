using System.CommandLine;

namespace DhtNet.Cli.Input;

/// <summary>
/// Environment variables that give options their defaults, so a shell that always talks to the same
/// network need not repeat it. An option given on the command line wins.
/// </summary>
internal static class EnvironmentDefaults
{
    /// <summary>Default of --bootstrap (host:port,...) for every command that bootstraps by default: node, query, findpeer, findprovs, provide, get, put, scrape.</summary>
    public const string Bootstrap = "DHT_BOOTSTRAP";

    /// <summary>Default of `dht node --data-dir`.</summary>
    public const string DataDirectory = "DHT_DATA_DIR";

    // ping and sample talk to the one node they are given and bootstrap only when told to.
    private static readonly HashSet<string> NoDefaultBootstrap = ["ping", "sample"];

    /// <summary>Sets the defaults of the options of <paramref name="root"/>'s commands from <paramref name="environment"/> and names the variables in their help.</summary>
    public static void Apply(Command root, Func<string, string?> environment)
    {
        foreach (var command in root.Subcommands)
        {
            foreach (var option in command.Options)
            {
                switch (option)
                {
                    case Option<string[]> { Name: "--bootstrap" } bootstrap when !NoDefaultBootstrap.Contains(command.Name):
                        bootstrap.Description += $" [env: {Bootstrap}]";
                        if (environment(Bootstrap) is { Length: > 0 } list)
                        {
                            bootstrap.DefaultValueFactory = _ => [list];
                        }

                        break;
                    case Option<string> { Name: "--data-dir" } dataDirectory:
                        dataDirectory.Description += $" [env: {DataDirectory}]";
                        if (environment(DataDirectory) is { Length: > 0 } directory)
                        {
                            dataDirectory.DefaultValueFactory = _ => directory;
                        }

                        break;
                }
            }
        }
    }
}
