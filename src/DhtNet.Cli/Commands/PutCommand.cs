using System.CommandLine;
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
        var salt = new Option<string>("--salt") { Description = "Salt of the mutable item, as text (at most 64 bytes)" };
        var seq = new Option<long?>("--seq") { Description = "Sequence number of the mutable item (default: one above the stored one)" };
        var cas = new Option<long?>("--cas") { Description = "Store only if the stored item has this sequence number" };
        var options = new ClientOptions(ipfs: true);
        var command = new Command("put", "Store an immutable item, or a mutable one with --key (BEP 44); with --network ipfs a /pk/ or /ipns/ record") { value, recordFile, file, bencoded, key, salt, seq, cas };
        options.AddTo(command);
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
                return ClientSession.RunAsync(console, options.Read(parse), session => RunIpfsAsync(session, keyText, recordKey, record), cancellationToken);
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

            var mutable = keyFile is null ? null : new MutablePut(ItemValue.LoadKey("--key", keyFile), Inputs.Salt("--salt", saltText), saltText, sequence, expected);
            return ClientSession.RunAsync(console, options.Read(parse), session => RunAsync(session, data, mutable), cancellationToken);
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

        session.Output.Json("put", w =>
        {
            w.WriteString("target", result.Target.ToString());
            w.WriteNumber("stored", result.Stored);
            if (mutable is not null && result.Sequence is { } sequence)
            {
                w.WriteNumber("seq", sequence);
            }
        });

        string kind = mutable is null ? "immutable item" : $"mutable item (seq {result.Sequence})";
        session.Output.Line($"Stored {kind} [bold]{result.Target}[/] on {Display.Count(result.Stored, "node")}");
        string[] salt = mutable is { Salt.Length: > 0, SaltText: { } text } ? ["--salt", text] : [];
        string hint = Hints.Command(["get", result.Target.ToString(), .. salt, .. Hints.Bootstrap(session.Settings.Bootstrap)]);
        session.Output.Hint("Read it back with:", hint);
        session.WriteDone();
        return ExitCodes.Success;
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

        session.Output.Json("put", w =>
        {
            w.WriteString("key", keyText);
            w.WriteNumber("stored", stored);
        });
        session.Output.Line($"Stored record [bold]{Display.Escape(keyText)}[/] on {Display.Count(stored, "peer")}");
        session.Output.Hint("Read it back with:", Hints.Command(["get", keyText, "--network", Networks.IpfsName, .. Hints.Bootstrap(session.Settings.BootstrapText)]));
        session.WriteDone();
        return ExitCodes.Success;
    }

    private sealed record MutablePut(Ed25519KeyPair Key, byte[] Salt, string? SaltText, long? Sequence, long? Cas);
}
