using System.Runtime.InteropServices;

namespace DhtNet.Persistence;

/// <summary>Puts the thread that writes state below the threads that serve queries.</summary>
internal static class FlushThread
{
    // Nice 10: under CFS a thread at nice 10 weighs about a tenth of one at 0, so while the serving
    // threads are busy the flush gets about a tenth of the core, which is still far more than it needs.
    private const int Niceness = 10;
    private const int PriorityProcess = 0;

    /// <summary>Lowers the calling thread's priority; where that is not possible it stays as it was.</summary>
    public static void LowerPriority()
    {
        // Thread.Priority is honoured on Windows and macOS; on Linux the runtime keeps every thread at
        // nice 0, but setpriority on a thread id changes that thread alone (a Linux property).
        Thread.CurrentThread.Priority = ThreadPriority.BelowNormal;
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        try
        {
            _ = Native.SetPriority(PriorityProcess, Native.GetThreadId(), Niceness);
        }
        catch (Exception error) when (error is EntryPointNotFoundException or DllNotFoundException)
        {
            // A C library without gettid (glibc before 2.30): the flush runs at normal priority.
        }
    }

    private static class Native
    {
        [DllImport("libc", EntryPoint = "gettid")]
        public static extern int GetThreadId();

        [DllImport("libc", EntryPoint = "setpriority", SetLastError = true)]
        public static extern int SetPriority(int which, int who, int priority);
    }
}
