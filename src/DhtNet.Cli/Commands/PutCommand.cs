using System.CommandLine;
using DhtNet.Cli.Api;
using DhtNet.Cli.Hosting;
using DhtNet.Cli.Input;
using DhtNet.Cli.Output;

namespace DhtNet.Cli.Commands;

/// <summary>
/// `dht put &lt;value&gt;` stores an immutable item; with `--key &lt;keyfile&gt; [--salt S] [--seq N]
/// [--cas N]` a mutable one (BEP 44).
/// </summary>
internal static class PutCommand
{
    public static Command Create(CliConsole console)
    {
        var value = new Argument<string?>("value") { Description = "The value, stored as a bencoded byte string of its UTF-8 bytes; with --network ipfs the record key, /pk/<peer id> or /ipns/<peer id>", Arity = ArgumentArity.ZeroOrOne };
        var recordFile = new Argument<string?>("record-file") { Description = "With --network ipfs: the file holding the record (a public key protobuf for /pk/, an IPNS record for /ipns/)", Arity = ArgumentArity.ZeroOrOne };
        var file = new Option<string>("--file") { Description = "Store the raw bytes of this file instead of <value> (with --network ipfs: the record, as <record-file>)", HelpName = "path" };
        var bencoded = new Option<bool>("--bencoded") { Description = "The value (or file) is bencoded already; store it as it is" };
        var key = new Option<string>("--key") { Description = "Key file (from `dht keygen`): store a mutable item signed with it", HelpName = "keyfile" };
        var salt = SharedOptions.Salt();
        var seq = new Option<long?>("--seq") { Description = "Sequence number of the mutable item (default: one above the stored one)" };
        var cas = new Option<long?>("--cas") { Description = "Store only if the stored item has this sequence number" };
        var options = new ClientOptions(ipfs: true);
        var command = new Command("put", "Store an immutable item, or a mutable one with --key (BEP 44); with --network ipfs a /pk/ or /ipns/ record") { value, recordFile, file, bencoded, key, salt, seq, cas };
        options.AddTo(command);
        command.Options.Add(options.Api);
        command.SetAction((parse, cancellationToken) =>
        {
            if (options.ReadNetwork(parse) == DhtNetworks.Ipfs)
            {
                string keyText = (parse.GetValue(value) ?? throw CliException.BadInput("key is missing: give /pk/<peer id> or /ipns/<peer id>, then the record file")).Trim();
                byte[] recordKey = Inputs.RecordKey("key", keyText);
                if (parse.GetValue(key) is not null || parse.GetValue(salt) is not null || parse.GetValue(seq) is not null || parse.GetValue(cas) is not null || parse.GetValue(bencoded))
                {
                    throw CliException.BadInput("--key, --salt, --seq, --cas and --bencoded are for BEP 44 items; an IPFS record comes signed in its file");
                }

                byte[] record = ItemValue.ReadRecord(parse.GetValue(recordFile), parse.GetValue(file));
                var ipfsSettings = options.Read(parse);
                return ipfsSettings.Api is not null
                    ? ApiCommands.PutIpfsAsync(console, ipfsSettings, keyText, record, cancellationToken)
                    : ClientSession.RunAsync(console, ipfsSettings, session => RunIpfsAsync(session, keyText, recordKey, record), cancellationToken);
            }

            if (parse.GetValue(recordFile) is { } extra)
            {
                throw CliException.BadInput($"put takes one <value>; '{extra}' is one too many (quote a value with spaces)");
            }

            byte[] data = ItemValue.Read(parse.GetValue(value), parse.GetValue(file), parse.GetValue(bencoded));
            string? keyFile = parse.GetValue(key);
            string? saltText = parse.GetValue(salt);
            long? sequence = parse.GetValue(seq) is { } s ? Inputs.NonNegative("--seq", s) : null;
            long? expected = parse.GetValue(cas) is { } c ? Inputs.NonNegative("--cas", c) : null;
            if (keyFile is null && (saltText is not null || sequence is not null || expected is not null))
            {
                throw CliException.BadInput("--salt, --seq and --cas are for mutable items: give --key <keyfile> too");
            }

            var settings = options.Read(parse);
            if (settings.Api is not null)
            {
                // The RPC's put takes a value and stores it as one byte string: an immutable item (a mutable
                // one would be signed with the node's key, not the key file's).
                return keyFile is not null || parse.GetValue(bencoded)
                    ? throw CliException.BadInput("--key and --bencoded cannot be used with --api: through a node's API put stores the value as an immutable item")
                    : ApiCommands.PutAsync(console, settings, data, cancellationToken);
            }

            var mutable = keyFile is null ? null : new MutablePut(ItemValue.LoadKey("--key", keyFile), Inputs.Salt("--salt", saltText), saltText, sequence, expected);
            return ClientSession.RunAsync(console, settings, session => RunAsync(session, data, mutable), cancellationToken);
        });
        return command;
    }

    private static async Task<int> RunAsync(ClientSession session, byte[] value, MutablePut? mutable)
    {
        PutResult result;
        try
        {
            result = await session.Output.StatusAsync("Storing", () => mutable is null
                ? session.Node.PutAsync(value, session.Cancellation)
                : session.Node.PutAsync(mutable.Key, value, mutable.Salt, mutable.Sequence, mutable.Cas, session.Cancellation));
        }
        catch (DhtPutException e)
        {
            throw CliException.BadInput($"put refused: {e.Message}");
        }

        string[] salt = mutable is { Salt.Length: > 0, SaltText: { } text } ? ["--salt", text] : [];
        Write(session.Output, result.Target, result.Stored, mutable is null ? null : result.Sequence, [.. salt, .. Hints.Bootstrap(session.Settings.Bootstrap)]);
        session.WriteDone();
        return ExitCodes.Success;
    }

    /// <summary>
    /// An item stored: its target, on how many nodes when that is known (the RPC behind --api reports no count),
    /// a mutable item's sequence, and how to read it back (<paramref name="getOptions"/> follow the target).
    /// </summary>
    internal static void Write(CliOutput output, NodeId target, int? stored, long? sequence, IEnumerable<string> getOptions)
    {
        output.Json("put", w =>
        {
            w.WriteString("target", target.ToString());
            if (stored is { } count)
            {
                w.WriteNumber("stored", count);
            }

            if (sequence is { } seq)
            {
                w.WriteNumber("seq", seq);
            }
        });

        string kind = sequence is null ? "immutable item" : $"mutable item (seq {sequence})";
        output.Line($"Stored {kind} [bold]{target}[/]{(stored is { } n ? $" on {Display.Count(n, "node")}" : "")}");
        output.Hint("Read it back with:", Hints.Command(["get", target.ToString(), .. getOptions]));
    }

    private static async Task<int> RunIpfsAsync(ClientSession session, string keyText, byte[] key, byte[] record)
    {
        int stored;
        try
        {
            stored = await session.Output.StatusAsync($"Storing {keyText}", () => session.Ipfs.PutAsync(key, record, session.Cancellation));
        }
        catch (ArgumentException e)
        {
            throw CliException.BadInput($"put refused: {e.Message.Split(" (Parameter", 2)[0]}");
        }

        WriteIpfs(session.Output, keyText, stored, Hints.Bootstrap(session.Settings.BootstrapText));
        session.WriteDone();
        return ExitCodes.Success;
    }

    /// <summary>An IPFS record stored: its key, on how many peers when that is known, and how to read it back.</summary>
    internal static void WriteIpfs(CliOutput output, string keyText, int? stored, IEnumerable<string> getOptions)
    {
        output.Json("put", w =>
        {
            w.WriteString("key", keyText);
            if (stored is { } count)
            {
                w.WriteNumber("stored", count);
            }
        });
        output.Line($"Stored record [bold]{Display.Escape(keyText)}[/]{(stored is { } n ? $" on {Display.Count(n, "peer")}" : "")}");
        output.Hint("Read it back with:", Hints.Command(["get", keyText, "--network", Networks.IpfsName, .. getOptions]));
    }

    private sealed record MutablePut(Ed25519KeyPair Key, byte[] Salt, string? SaltText, long? Sequence, long? Cas);
}
