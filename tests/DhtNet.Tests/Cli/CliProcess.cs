using System.Diagnostics;
using System.Text;
using System.Threading.Channels;

namespace DhtNet.Tests.Cli;

/// <summary>
/// Runs the built `dht` tool as a real process and captures what it prints; also any other program
/// (the installed tool, the samples) through <see cref="RunProgramAsync"/> and <see cref="StartProgram"/>.
/// </summary>
internal static class CliProcess
{
    public static string DhtDll => Path.Combine(AppContext.BaseDirectory, "dht.dll");

    public static Task<CliResult> RunAsync(TimeSpan timeout, params string[] args) =>
        RunProgramAsync(timeout, "dotnet", [DhtDll, .. args]);

    /// <summary>Runs <paramref name="fileName"/> to its exit; <paramref name="environment"/> adds or replaces variables.</summary>
    public static async Task<CliResult> RunProgramAsync(
        TimeSpan timeout, string fileName, IEnumerable<string> args, IReadOnlyDictionary<string, string?>? environment = null)
    {
        var start = StartInfo(fileName, args, environment);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {fileName}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{fileName} {string.Join(' ', args)} did not exit within {timeout}");
        }

        return new CliResult(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Starts `dht` and lets the test read its output line by line while it runs.</summary>
    public static Running Start(params string[] args) => new(StartInfo("dotnet", [DhtDll, .. args], null), $"dht {string.Join(' ', args)}");

    /// <summary>Starts any program and lets the test read its output line by line while it runs.</summary>
    public static Running StartProgram(
        string fileName, IEnumerable<string> args, string? workingDirectory = null, IReadOnlyDictionary<string, string?>? environment = null)
    {
        var start = StartInfo(fileName, args, environment);
        start.WorkingDirectory = workingDirectory ?? start.WorkingDirectory;
        return new(start, $"{Path.GetFileName(fileName)} {string.Join(' ', start.ArgumentList)}");
    }

    private static ProcessStartInfo StartInfo(string fileName, IEnumerable<string> args, IReadOnlyDictionary<string, string?>? environment)
    {
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            start.Environment[name] = value;
        }

        return start;
    }

    /// <summary>A `dht` process still running: its output lines as they come, SIGTERM, and its exit.</summary>
    public sealed class Running : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly string _command;
        private readonly Channel<string> _stdout = Channel.CreateUnbounded<string>();
        private readonly Channel<string> _stderr = Channel.CreateUnbounded<string>();
        private readonly StringBuilder _allStdout = new();
        private readonly StringBuilder _allStderr = new();
        private readonly TaskCompletionSource _stdoutClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _stderrClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Running(ProcessStartInfo start, string command)
        {
            _command = command;
            _process = new Process { StartInfo = start };
            _process.OutputDataReceived += (_, e) => Receive(e.Data, _stdout, _allStdout, _stdoutClosed);
            _process.ErrorDataReceived += (_, e) => Receive(e.Data, _stderr, _allStderr, _stderrClosed);
            _process.Start();
            _process.BeginOutputReadLine();
            _process.BeginErrorReadLine();
        }

        public int Id => _process.Id;

        /// <summary>The next line on standard output; fails after <paramref name="timeout"/> or at the end of output.</summary>
        public Task<string> ReadLineAsync(TimeSpan timeout) => ReadAsync(_stdout, "standard output", timeout);

        /// <summary>The first line on standard output from now on that <paramref name="match"/> accepts; the lines before it are skipped.</summary>
        public async Task<string> ReadLineAsync(Func<string, bool> match, TimeSpan timeout)
        {
            string line;
            do
            {
                line = await ReadLineAsync(timeout);
            }
            while (!match(line));
            return line;
        }

        /// <summary>The next line on standard error.</summary>
        public Task<string> ReadErrorLineAsync(TimeSpan timeout) => ReadAsync(_stderr, "standard error", timeout);

        /// <summary>Sends SIGTERM, as `kill` or a service manager does.</summary>
        public async Task TerminateAsync()
        {
            using var kill = Process.Start("kill", ["-TERM", _process.Id.ToString()]);
            await kill.WaitForExitAsync();
            Assert.Equal(0, kill.ExitCode);
        }

        /// <summary>Waits for the exit and returns everything printed.</summary>
        public async Task<CliResult> WaitForExitAsync(TimeSpan timeout)
        {
            using var cts = new CancellationTokenSource(timeout);
            try
            {
                await _process.WaitForExitAsync(cts.Token);
                await Task.WhenAll(_stdoutClosed.Task, _stderrClosed.Task).WaitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"{_command} did not exit within {timeout}");
            }

            lock (_allStdout)
            {
                lock (_allStderr)
                {
                    return new CliResult(_process.ExitCode, _allStdout.ToString(), _allStderr.ToString());
                }
            }
        }

        public async ValueTask DisposeAsync()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }

            _process.Dispose();
        }

        private static void Receive(string? line, Channel<string> channel, StringBuilder all, TaskCompletionSource closed)
        {
            if (line is null)
            {
                channel.Writer.TryComplete();
                closed.TrySetResult();
                return;
            }

            lock (all)
            {
                all.Append(line).Append('\n');
            }

            channel.Writer.TryWrite(line);
        }

        private async Task<string> ReadAsync(Channel<string> channel, string name, TimeSpan timeout)
        {
            using var cts = new CancellationTokenSource(timeout);
            try
            {
                if (await channel.Reader.WaitToReadAsync(cts.Token) && channel.Reader.TryRead(out string? line))
                {
                    return line;
                }
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"{_command} printed no line on {name} within {timeout}");
            }

            throw new InvalidOperationException($"{_command} closed {name}; it printed:\n{_allStdout}\n{_allStderr}");
        }
    }
}
