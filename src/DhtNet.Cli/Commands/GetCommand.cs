using System.CommandLine;
using DhtNet.Cli.Hosting;
using DhtNet.Cli.Input;
using DhtNet.Cli.Output;

namespace DhtNet.Cli.Commands;

/// <summary>`dht get &lt;target&gt; [--salt S]`: a BEP 44 item by its target.</summary>
internal static class GetCommand
{
    public static Command Create(CliConsole console)
    {
        var target = new Argument<string>("target") { Description = "The item's target, 40 hex digits (as `dht put` printed it)" };
        var salt = new Option<string>("--salt") { Description = "The salt of a mutable item, as text" };
        var options = new ClientOptions();
        var command = new Command("get", "Get an immutable or mutable item (BEP 44)") { target, salt };
        options.AddTo(command);
        command.SetAction((parse, cancellationToken) =>
        {
            var key = Inputs.Hex20("target", parse.GetValue(target));
            byte[] saltBytes = Inputs.Salt("--salt", parse.GetValue(salt));
            return ClientSession.RunAsync(console, options.Read(parse), session => RunAsync(session, key, saltBytes), cancellationToken);
        });
        return command;
    }

    private static async Task<int> RunAsync(ClientSession session, NodeId target, byte[] salt)
    {
        var item = await session.Output.StatusAsync($"Getting {target}", () => session.Node.GetAsync(target, salt, session.Cancellation));
        if (item is null)
        {
            session.WriteDone();
            throw new CliException(ExitCodes.NotFound, $"no item found for target {target}");
        }

        var (text, shown) = Describe(item.Value);
        session.Output.Json("value", w =>
        {
            w.WriteString("target", item.Target.ToString());
            w.WriteBase64String("v", item.Value.Span);
            if (text is not null)
            {
                w.WriteString("text", text);
            }

            if (item.IsMutable && item.Sequence is { } sequence)
            {
                w.WriteNumber("seq", sequence);
                w.WriteString("k", Display.Hex(item.PublicKey));
                w.WriteString("sig", Display.Hex(item.Signature));
            }
        });

        var table = Display.Table("Field", "Value").Row("target", item.Target.ToString()).Row("value", shown);
        if (item.IsMutable && item.Sequence is { } seq)
        {
            table.Row("seq", seq.ToString()).Row("public key", Display.Hex(item.PublicKey)).Row("signature", Display.Hex(item.Signature));
            if (!item.Salt.IsEmpty)
            {
                table.Row("salt", Display.Hex(item.Salt));
            }
        }

        session.Output.Write(table);
        session.WriteDone();
        return ExitCodes.Success;
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
