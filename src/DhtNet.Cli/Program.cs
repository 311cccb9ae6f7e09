using System.Runtime.InteropServices;
using DhtNet.Cli.Output;

namespace DhtNet.Cli;

internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        // Ctrl+C and SIGTERM cancel the running command, which then shuts down cleanly
        // (`dht node` saves its table). A second signal while it does so ends the process at once.
        using var shutdown = new CancellationTokenSource();
        void Stop(PosixSignalContext context)
        {
            if (!shutdown.IsCancellationRequested)
            {
                context.Cancel = true;
                shutdown.Cancel();
            }
        }

        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        return await DhtCli.RunAsync(args, CliConsole.ForProcess(), shutdown.Token);
    }
}
