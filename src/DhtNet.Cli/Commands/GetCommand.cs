using System.CommandLine;
using DhtNet.Cli.Api;
using DhtNet.Cli.Hosting;
using DhtNet.Cli.Input;
using DhtNet.Cli.Output;

namespace DhtNet.Cli.Commands;

/// <summary>`dht get &lt;target&gt; [--salt S] [--raw | -o FILE]`: a BEP 44 item by its target.</summary>
internal static class GetCommand
{
    public static Command Create(CliConsole console)
    {
        var target = new Argument<string>("target") { Description = "The item's target, 40 hex digits (as `dht put` printed it); with --network ipfs a record key, /pk/<peer id> or /ipns/<peer id>" };
        var salt = new Option<string>("--salt") { Description = "The salt of a mutable item, as text" };
        var raw = new Option<bool>("--raw") { Description = "Write only the value's bytes to standard output (a byte string's contents, else the bencoded value)" };
        var outputFile = new Option<string>("--output", "-o") { Description = "Write the value's bytes to this file (as --raw does), replacing it", HelpName = "file" };
        var options = new ClientOptions(ipfs: true);
        var command = new Command("get", "Get an immutable or mutable item (BEP 44), or an IPFS record") { target, salt, raw, outputFile };
        options.AddTo(command);
        command.Options.Add(options.Api);
        command.SetAction((parse, cancellationToken) =>
        {
            if (options.ReadNetwork(parse) == DhtNetworks.Ipfs)
            {
                string keyText = parse.GetValue(target)!.Trim();
                byte[] recordKey = Inputs.RecordKey("key", keyText);
                if (parse.GetValue(salt) is not null)
                {
                    throw CliException.BadInput("--salt is part of a BEP 44 item's target; IPFS record keys have none");
                }

                var ipfsSettings = options.Read(parse);
                var ipfsSink = ValueSink(parse.GetValue(raw), parse.GetValue(outputFile), ipfsSettings.Json);
                return ipfsSettings.Api is not null
                    ? ApiCommands.GetIpfsAsync(console, ipfsSettings, keyText, ipfsSink, cancellationToken)
                    : ClientSession.RunAsync(console, ipfsSettings, session => RunIpfsAsync(session, keyText, recordKey, ipfsSink), cancellationToken);
            }

            var key = Inputs.Hex20("target", parse.GetValue(target));
            string? saltText = parse.GetValue(salt);
            byte[] saltBytes = Inputs.Salt("--salt", saltText);
            var settings = options.Read(parse);
            var sink = ValueSink(parse.GetValue(raw), parse.GetValue(outputFile), settings.Json);
            if (settings.Api is not null)
            {
                // The RPC's get reads a target without its salt: a salted item's signature cannot be checked.
                return saltText is not null
                    ? throw CliException.BadInput("--salt cannot be used with --api: the node's get takes the target alone, so give the target of an immutable item or of a mutable one stored without salt")
                    : ApiCommands.GetAsync(console, settings, key, sink, cancellationToken);
            }

            return ClientSession.RunAsync(console, settings, session => RunAsync(session, key, saltBytes, saltText, sink), cancellationToken);
        });
        return command;
    }

    /// <summary>Where --raw or -o sends the value's bytes, or null to show the item as usual.</summary>
    private static Func<CliOutput, ReadOnlyMemory<byte>, Task>? ValueSink(bool raw, string? file, bool json)
    {
        if (raw && file is not null)
        {
            throw CliException.BadInput("--raw writes to standard output and -o to a file: give one of them");
        }

        if (raw && json)
        {
            throw CliException.BadInput("--raw and --json both write standard output: give one of them");
        }

        if (file is not null)
        {
            return async (_, bytes) => await File.WriteAllBytesAsync(file, bytes);
        }

        return raw ? (output, bytes) => output.Console.WriteBytesAsync(bytes) : null;
    }

    private static async Task<int> RunAsync(ClientSession session, NodeId target, byte[] salt, string? saltText, Func<CliOutput, ReadOnlyMemory<byte>, Task>? sink)
    {
        var item = await session.Output.StatusAsync($"Getting {target}", () => session.Node.GetAsync(target, salt, session.Cancellation));
        if (item is null)
        {
            session.WriteDone();
            // A mutable item's target is the hash of its key and salt, so a salt left out (or
            // mistyped) finds nothing; say how to retry with one.
            var bootstrap = Hints.Bootstrap(session.Settings.Bootstrap);
            string retry = saltText is null
                ? $"If it is a mutable item stored with a salt, give the same salt:\n  {Hints.Command(["get", target.ToString(), "--salt", "<salt>", .. bootstrap])}"
                : $"The salt is part of a mutable item's target: check it is the one it was stored with (--salt {Hints.Quote(saltText)}).";
            throw new CliException(ExitCodes.NotFound, $"no item found for target {target}\n{retry}");
        }

        await WriteItemAsync(session.Output, item.Target, item.Value, item, sink);
        if (sink is null)
        {
            session.WriteDone();
        }

        return ExitCodes.Success;
    }

    /// <summary>
    /// Shows an item (from a temporary node, or from a running one through --api), or hands its bytes to
    /// <paramref name="sink"/>. <paramref name="item"/> adds what a mutable item carries; the RPC gives only the value.
    /// </summary>
    internal static async Task WriteItemAsync(CliOutput output, NodeId target, ReadOnlyMemory<byte> bencoded, DhtItemResult? item, Func<CliOutput, ReadOnlyMemory<byte>, Task>? sink)
    {
        if (sink is not null)
        {
            await sink(output, ValueBytes(bencoded));
            return;
        }

        var (text, shown) = Describe(bencoded);
        output.Json("value", w =>
        {
            w.WriteString("target", target.ToString());
            w.WriteBase64String("v", bencoded.Span);
            if (text is not null)
            {
                w.WriteString("text", text);
            }

            if (item is { IsMutable: true, Sequence: { } sequence })
            {
                w.WriteNumber("seq", sequence);
                w.WriteString("k", Display.Hex(item.PublicKey));
                w.WriteString("sig", Display.Hex(item.Signature));
            }
        });

        var table = Display.Table("Field", "Value").Row("target", target.ToString()).Row("value", shown);
        if (item is { IsMutable: true, Sequence: { } seq })
        {
            table.Row("seq", seq.ToString()).Row("public key", Display.Hex(item.PublicKey)).Row("signature", Display.Hex(item.Signature));
            if (!item.Salt.IsEmpty)
            {
                table.Row("salt", Display.Hex(item.Salt));
            }
        }

        output.Write(table);
    }

    private static async Task<int> RunIpfsAsync(ClientSession session, string keyText, byte[] key, Func<CliOutput, ReadOnlyMemory<byte>, Task>? sink)
    {
        var value = await session.Output.StatusAsync($"Getting {keyText}", () => session.Ipfs.GetAsync(key, session.Cancellation));
        if (value is null)
        {
            session.WriteDone();
            throw new CliException(ExitCodes.NotFound, $"no record found for {keyText}");
        }

        await WriteIpfsValueAsync(session.Output, keyText, value, sink);
        if (sink is null)
        {
            session.WriteDone();
        }

        return ExitCodes.Success;
    }

    /// <summary>Shows an IPFS record (from a temporary node, or a running one through --api), or hands its bytes to <paramref name="sink"/>.</summary>
    /// <exception cref="LibP2pFormatException">The record does not parse; only a record from a node that skipped validation does not.</exception>
    internal static async Task WriteIpfsValueAsync(CliOutput output, string keyText, byte[] value, Func<CliOutput, ReadOnlyMemory<byte>, Task>? sink)
    {
        if (sink is not null)
        {
            await sink(output, value);
            return;
        }

        // The record passed the namespace's validator, so it parses; what it says is shown beside its bytes.
        var ipns = keyText.StartsWith(Ipfs.Records.IpnsRecord.Namespace, StringComparison.Ordinal) ? Ipfs.Records.IpnsRecord.Parse(value) : null;
        var publicKey = ipns is null ? PublicKey.Unmarshal(value) : null;
        output.Json("value", w =>
        {
            w.WriteString("key", keyText);
            w.WriteBase64String("v", value);
            if (ipns is not null)
            {
                w.WriteString("value", System.Text.Encoding.UTF8.GetString(ipns.Value.Span));
                w.WriteNumber("seq", ipns.Sequence);
                w.WriteString("validity", ipns.Validity);
            }

            if (publicKey is not null)
            {
                w.WriteString("keyType", publicKey.Type.ToString());
            }
        });

        var table = Display.Table("Field", "Value").Row("key", keyText).Row("record", $"{Display.Count(value.Length, "byte")}: {Convert.ToBase64String(value)}");
        if (ipns is not null)
        {
            table.Row("value", System.Text.Encoding.UTF8.GetString(ipns.Value.Span)).Row("seq", ipns.Sequence.ToString()).Row("valid until", ipns.Validity.ToString("u"));
        }

        if (publicKey is not null)
        {
            table.Row("key type", publicKey.Type.ToString());
        }

        output.Write(table);
    }

    /// <summary>The bytes a user stored: a byte string's contents, or the bencoded value when it is not a byte string.</summary>
    private static ReadOnlyMemory<byte> ValueBytes(ReadOnlyMemory<byte> bencoded)
    {
        try
        {
            return BencodeValue.Parse(bencoded.Span, BencodeReaderOptions.Lax) is BencodeString text ? text.Bytes : bencoded;
        }
        catch (BencodeException)
        {
            return bencoded;
        }
    }

    /// <summary>The UTF-8 text of a byte-string value (or null), and how to show the value to a person.</summary>
    private static (string? Text, string Shown) Describe(ReadOnlyMemory<byte> bencoded)
    {
        try
        {
            var value = BencodeValue.Parse(bencoded.Span, BencodeReaderOptions.Lax);
            string? text = (value as BencodeString)?.TryGetText();
            return (text, text ?? value.ToString());
        }
        catch (BencodeException)
        {
            return (null, $"0x{Display.Hex(bencoded)}");
        }
    }
}
