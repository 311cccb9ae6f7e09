using System.CommandLine;
using DhtNet.Cli.Input;
using DhtNet.Cli.Output;

namespace DhtNet.Cli.Commands;

/// <summary>`dht keygen --out &lt;keyfile&gt;`: a new Ed25519 key for mutable items.</summary>
internal static class KeygenCommand
{
    public static Command Create(CliConsole console)
    {
        var path = new Option<string>("--out") { Description = "Where to write the key file (readable by its owner only)", HelpName = "keyfile", Required = true };
        var force = new Option<bool>("--force") { Description = "Replace the file if it exists" };
        var json = Hosting.SharedOptions.Json();
        var command = new Command("keygen", "Create an Ed25519 key for mutable items (BEP 44)") { path, force, json };
        command.SetAction(parse =>
        {
            string file = parse.GetValue(path)!;
            if (File.Exists(file) && !parse.GetValue(force))
            {
                throw CliException.BadInput($"--out: '{file}' exists; pass --force to replace it");
            }

            var key = Ed25519KeyPair.Generate();
            try
            {
                key.Save(file);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
            {
                throw CliException.BadInput($"--out: cannot write '{file}' ({e.Message})");
            }

            var output = new CliOutput(console, parse.GetValue(json));
            output.Json("key", w => w.WriteString("publicKey", key.ToString()));
            output.Line($"Wrote a new key to [bold]{Display.Escape(file)}[/]");
            output.Line($"Public key: [bold]{key}[/]");
            return ExitCodes.Success;
        });
        return command;
    }
}
