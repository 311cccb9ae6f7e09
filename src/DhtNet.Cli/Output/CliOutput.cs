using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace DhtNet.Cli.Output;

/// <summary>
/// What one command prints. In text mode: tables and lines on standard output. In JSON mode: one
/// JSON object per line on standard output and nothing else there. Errors, warnings and progress
/// always go to standard error. Safe to use from event handlers on several threads.
/// </summary>
internal sealed class CliOutput(CliConsole console, bool json)
{
    private static readonly JsonWriterOptions JsonOptions = new()
    {
        // Readable text and base64 ('+' stays '+'); the output is never embedded in HTML.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public bool IsJson => json;

    public CliConsole Console => console;

    /// <summary>Writes {"type":"<paramref name="type"/>", ...fields} as one line (JSON mode only).</summary>
    public void Json(string type, Action<Utf8JsonWriter>? fields = null)
    {
        if (!json)
        {
            return;
        }

        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, JsonOptions))
        {
            writer.WriteStartObject();
            writer.WriteString("type", type);
            fields?.Invoke(writer);
            writer.WriteEndObject();
        }

        string line = Encoding.UTF8.GetString(buffer.WrittenSpan);
        lock (console.Gate)
        {
            console.Output.WriteLine(line);
            console.Output.Flush();
        }
    }

    /// <summary>Writes a line of Spectre markup (text mode only).</summary>
    public void Line(string markup)
    {
        if (!json)
        {
            Write(new Markup(markup + Environment.NewLine));
        }
    }

    /// <summary>Writes a table or other renderable (text mode only).</summary>
    public void Write(IRenderable renderable)
    {
        if (json)
        {
            return;
        }

        lock (console.Gate)
        {
            console.AnsiOutput.Write(renderable);
            console.Output.Flush();
        }
    }

    /// <summary>
    /// A command to run next, under a grey <paramref name="label"/> (text mode only). The command is
    /// plain text on a line of its own, never wrapped, so it can be copied and run as printed.
    /// </summary>
    public void Hint(string label, string command)
    {
        if (json)
        {
            return;
        }

        lock (console.Gate)
        {
            console.AnsiOutput.Write(new Markup($"[grey]{Markup.Escape(label)}[/]{Environment.NewLine}"));
            console.Output.WriteLine($"  {command}");
            console.Output.Flush();
        }
    }

    /// <summary>An error, in red on standard error (both modes).</summary>
    public void Error(string message) => WriteError(message, "red");

    /// <summary>A warning, in yellow on standard error (both modes).</summary>
    public void Warning(string message) => WriteError(message, "yellow");

    /// <summary>A progress note on standard error (both modes), for runs that take a while.</summary>
    public void Progress(string message) => WriteError(message, "grey");

    /// <summary>Runs <paramref name="work"/> under a spinner on standard error when a person is watching.</summary>
    public async Task<T> StatusAsync<T>(string status, Func<Task<T>> work)
    {
        if (!console.ErrorIsTerminal)
        {
            return await work();
        }

        return await console.AnsiError.Status().Spinner(Spinner.Known.Dots).StartAsync(Markup.Escape(status), _ => work());
    }

    /// <inheritdoc cref="StatusAsync{T}(string, Func{Task{T}})"/>
    public Task StatusAsync(string status, Func<Task> work) => StatusAsync(status, async () =>
    {
        await work();
        return true;
    });

    /// <summary>
    /// Runs <paramref name="work"/>, which reports how many of <paramref name="total"/> steps are
    /// done: a progress bar on standard error when a person is watching, else a line per quarter.
    /// </summary>
    public async Task<T> ProgressAsync<T>(string description, int total, Func<IProgress<int>, Task<T>> work)
    {
        if (!console.ErrorIsTerminal)
        {
            int lastQuarter = 0;
            return await work(new ActionProgress(done =>
            {
                int quarter = total == 0 ? 4 : done * 4 / total;
                if (quarter > lastQuarter)
                {
                    lastQuarter = quarter;
                    Progress($"{description}: {done}/{total}");
                }
            }));
        }

        return await console.AnsiError.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .StartAsync(async context =>
            {
                var task = context.AddTask(Markup.Escape(description), maxValue: total);
                return await work(new ActionProgress(done => task.Value = done));
            });
    }

    private void WriteError(string message, string colour)
    {
        lock (console.Gate)
        {
            if (console.ErrorIsTerminal)
            {
                console.AnsiError.Write(new Markup($"[{colour}]{Markup.Escape(message)}[/]{Environment.NewLine}"));
            }
            else
            {
                // Redirected: no colour, and no wrapping, so a command in a message stays on one line.
                console.Error.WriteLine(message);
            }

            console.Error.Flush();
        }
    }

    private sealed class ActionProgress(Action<int> report) : IProgress<int>
    {
        public void Report(int value) => report(value);
    }
}
