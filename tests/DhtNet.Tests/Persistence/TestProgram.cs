namespace DhtNet.Tests.Persistence;

/// <summary>
/// The test assembly's entry point. The test host never calls it; the crash tests start the
/// assembly as a process (`dotnet DhtNet.Tests.dll state-writer DIR`) so they can kill it with SIGKILL.
/// </summary>
internal static class TestProgram
{
    public static async Task<int> Main(string[] args)
    {
        if (args is ["state-writer", string dataDirectory])
        {
            return await StateWriter.RunAsync(dataDirectory);
        }

        await Console.Error.WriteLineAsync("usage: DhtNet.Tests state-writer <data directory>  (writes state batches until killed)");
        return 2;
    }
}
