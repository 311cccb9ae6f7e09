using System.Text;
using Spectre.Console;

namespace DhtNet.Cli.Output;

/// <summary>
/// Where a run of `dht` writes: standard output and standard error, as plain writers (JSON lines)
/// and as Spectre consoles (tables, colour, progress). Tests pass string writers.
/// </summary>
internal sealed class CliConsole
{
    // Wide enough that a table of 40-digit ids and addresses does not wrap when piped.
    private const int RedirectedWidth = 160;

    private readonly Stream? _outputBytes;

    /// <param name="outputBytes">Standard output as bytes, for values written as they are (`get --raw`); null writes them as UTF-8 text to <paramref name="output"/>.</param>
    public CliConsole(TextWriter output, TextWriter error, bool outputIsTerminal = false, bool errorIsTerminal = false, Stream? outputBytes = null)
    {
        _outputBytes = outputBytes;
        Output = output;
        Error = error;
        ErrorIsTerminal = errorIsTerminal;
        AnsiOutput = CreateAnsi(output, outputIsTerminal);
        AnsiError = CreateAnsi(error, errorIsTerminal);
    }

    /// <summary>The process's own console.</summary>
    public static CliConsole ForProcess() =>
        new(Console.Out, Console.Error, !Console.IsOutputRedirected, !Console.IsErrorRedirected, Console.OpenStandardOutput());

    public TextWriter Output { get; }

    public TextWriter Error { get; }

    public IAnsiConsole AnsiOutput { get; }

    public IAnsiConsole AnsiError { get; }

    /// <summary>Animated progress is drawn on standard error, and only when a person watches it.</summary>
    public bool ErrorIsTerminal { get; }

    /// <summary>Serializes writes from event handlers on several threads.</summary>
    public Lock Gate { get; } = new();

    /// <summary>Writes <paramref name="bytes"/> to standard output unchanged (after any text written before them).</summary>
    public async Task WriteBytesAsync(ReadOnlyMemory<byte> bytes)
    {
        await Output.FlushAsync();
        if (_outputBytes is null)
        {
            await Output.WriteAsync(Encoding.UTF8.GetString(bytes.Span));
            await Output.FlushAsync();
            return;
        }

        await _outputBytes.WriteAsync(bytes);
        await _outputBytes.FlushAsync();
    }

    private static IAnsiConsole CreateAnsi(TextWriter writer, bool terminal)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer),
            Ansi = terminal ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = terminal ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = terminal ? InteractionSupport.Detect : InteractionSupport.No,
        });
        if (!terminal)
        {
            console.Profile.Width = RedirectedWidth;
        }

        return console;
    }
}
