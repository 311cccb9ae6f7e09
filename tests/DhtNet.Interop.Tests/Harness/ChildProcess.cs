using System.Diagnostics;
using System.Text;

namespace DhtNet.Interop.Tests.Harness;

/// <summary>
/// One child process of a test: its stdout is handed over line by line, its stderr kept (the
/// newest lines) for failure messages, and disposing it ends it and everything it started.
/// </summary>
public sealed class ChildProcess : IAsyncDisposable
{
    private const int StderrLines = 200;
    private const int MaxLineLength = 4000;
    private static readonly TimeSpan GracefulExit = TimeSpan.FromSeconds(3);

    private readonly Process _process;
    private readonly Queue<string> _stderr = new();
    private readonly Task _stdoutPump;
    private readonly Task _stderrPump;
    private readonly object _inputGate = new();
    private int _disposed;
    private int? _exitCode;

    private ChildProcess(string name, Process process, Action<string> onStdoutLine)
    {
        Name = name;
        _process = process;
        Id = process.Id;
        _stdoutPump = PumpAsync(process.StandardOutput, onStdoutLine, AddStderr);
        _stderrPump = PumpAsync(process.StandardError, AddStderr, AddStderr);
        Exited = WaitForExitAsync();
    }

    /// <summary>A short name for messages, e.g. "libtorrent".</summary>
    public string Name { get; }

    /// <summary>The operating system's process id.</summary>
    public int Id { get; }

    /// <summary>Completes when the process has exited and its output has been read to the end.</summary>
    public Task Exited { get; }

    /// <summary>Starts <paramref name="fileName"/>; stdin is kept open for <see cref="WriteLine"/>.</summary>
    public static ChildProcess Start(
        string name,
        string fileName,
        IEnumerable<string> arguments,
        string workingDirectory,
        Action<string> onStdoutLine)
    {
        var info = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (string argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        // Keep the peers' own debug switches from flooding stdout, which carries the protocol.
        info.Environment.Remove("DEBUG");
        info.Environment["PYTHONUNBUFFERED"] = "1";

        var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {fileName}.");
        return new ChildProcess(name, process, onStdoutLine);
    }

    /// <summary>Writes one line to the process's stdin; false when the process has gone.</summary>
    public bool WriteLine(string line)
    {
        lock (_inputGate)
        {
            try
            {
                _process.StandardInput.WriteLine(line);
                _process.StandardInput.Flush();
                return true;
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException)
            {
                return false;
            }
        }
    }

    /// <summary>Name, pid, exit status and the newest stderr lines, for a failure message.</summary>
    public string Describe()
    {
        var text = new StringBuilder();
        text.Append(Name).Append(" (pid ").Append(Id).Append(')');
        if (_exitCode is { } code)
        {
            text.Append(" exited with code ").Append(code);
        }

        string[] lines;
        lock (_stderr)
        {
            lines = [.. _stderr];
        }

        if (lines.Length > 0)
        {
            text.AppendLine(", stderr:");
            foreach (string line in lines)
            {
                text.Append("  ").AppendLine(line);
            }
        }

        return text.ToString();
    }

    /// <summary>
    /// Closes stdin (the drivers exit on that), waits briefly, then kills the whole process tree,
    /// so nothing a test started outlives it.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        lock (_inputGate)
        {
            try
            {
                _process.StandardInput.Close();
            }
            catch (IOException)
            {
                // Already gone: nothing to close.
            }
        }

        try
        {
            await _process.WaitForExitAsync().WaitAsync(GracefulExit).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            Kill();
        }

        try
        {
            await Exited.WaitAsync(GracefulExit).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // A grandchild holding the pipes open: the tree kill below takes it too.
            Kill();
        }

        _process.Dispose();
    }

    private void Kill()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(5000);
        }
        catch (InvalidOperationException)
        {
            // It exited between the check and the kill.
        }
    }

    private void AddStderr(string line)
    {
        lock (_stderr)
        {
            if (_stderr.Count == StderrLines)
            {
                _stderr.Dequeue();
            }

            _stderr.Enqueue(line.Length > MaxLineLength ? line[..MaxLineLength] : line);
        }
    }

    private static async Task PumpAsync(StreamReader reader, Action<string> onLine, Action<string> onHarnessError)
    {
        // A loop per stream that never stops early: an undrained pipe blocks the child on write.
        await Task.Yield();
        while (await reader.ReadLineAsync().ConfigureAwait(false) is { } line)
        {
            try
            {
                onLine(line);
            }
            catch (Exception e)
            {
                onHarnessError($"harness: handling a line failed: {e.Message}");
            }
        }
    }

    private async Task WaitForExitAsync()
    {
        await _process.WaitForExitAsync().ConfigureAwait(false);
        _exitCode = _process.ExitCode;
        await Task.WhenAll(_stdoutPump, _stderrPump).ConfigureAwait(false);
    }
}
