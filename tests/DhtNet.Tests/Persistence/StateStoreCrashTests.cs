using System.Diagnostics;

namespace DhtNet.Tests.Persistence;

/// <summary>
/// A state file cut off at any moment holds whole batches only: copies of the database and its
/// WAL taken while a writer runs, with the WAL torn at many offsets (what a power cut leaves), and
/// a writer process killed with SIGKILL at random moments.
/// </summary>
public sealed class StateStoreCrashTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("dhtnet-crash-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task Open_CopiesTakenWhileWriting_EveryBatchWholeOrAbsent()
    {
        string live = Path.Combine(_directory, "live");
        var random = new Random(2026);
        int copiesChecked = 0;
        int tornWalsWithFrames = 0;
        long writtenBeforeACopy = -1;
        await using (SqliteStateStore store = SqliteStateStore.Open(live))
        {
            store.CheckpointBytes = 512 * 1024;
            using var stop = new CancellationTokenSource();
            long flushed = -1;
            Task writer = Task.Run(async () =>
            {
                DateTimeOffset expires = DateTimeOffset.UtcNow.AddDays(1);
                for (long batch = 0; !stop.IsCancellationRequested; batch++)
                {
                    StateWriter.Record(store, batch, expires);
                    await store.FlushAsync();
                    Interlocked.Exchange(ref flushed, batch);
                }
            });

            try
            {
                for (int attempt = 0; (copiesChecked < 8 || tornWalsWithFrames < 6) && attempt < 1000; attempt++)
                {
                    await Task.Delay(random.Next(1, 25));
                    long flushedBefore = Interlocked.Read(ref flushed);
                    long checkpointsBefore = store.CheckpointEvents;

                    // WAL first, then the database: the database changes only in a checkpoint, and a copy
                    // that overlapped one is not a state a crash can leave, so it is taken again.
                    byte[] wal = ReadShared(store.DatabasePath + "-wal");
                    byte[] database = ReadShared(store.DatabasePath);
                    if (store.CheckpointEvents != checkpointsBefore || checkpointsBefore % 2 != 0)
                    {
                        continue;
                    }

                    // The whole copy holds everything flushed before it was taken.
                    long last = await OpenCopyAsync(database, wal);
                    Assert.True(last >= flushedBefore, $"copy holds batch {last}, but {flushedBefore} was flushed before it was taken");
                    writtenBeforeACopy = Math.Max(writtenBeforeACopy, flushedBefore);

                    foreach (int length in TearOffsets(wal.Length, random))
                    {
                        await OpenCopyAsync(database, wal[..length]);
                    }

                    tornWalsWithFrames += wal.Length > 32 ? 1 : 0;

                    copiesChecked++;
                }
            }
            finally
            {
                await stop.CancelAsync();
                await writer;
            }

            Assert.True(store.CheckpointEvents >= 4, $"only {store.CheckpointEvents / 2} checkpoints ran while copies were taken");
        }

        Assert.True(copiesChecked >= 8, $"only {copiesChecked} copies were taken between checkpoints");
        Assert.True(writtenBeforeACopy > StateWriter.BatchesKept, "the writer wrote too little to test");
        Assert.True(tornWalsWithFrames >= 6, $"only {tornWalsWithFrames} of the copies had WAL frames to tear");
    }

    [Theory]
    [InlineData(100)]
    [InlineData(4096)]
    [InlineData(0.5)]
    [InlineData(0.9)]
    public async Task Open_DatabaseCopyTruncated_SetAsideOrWholeBatches(double cut)
    {
        string live = Path.Combine(_directory, "live");
        await using (SqliteStateStore store = SqliteStateStore.Open(live))
        {
            DateTimeOffset expires = DateTimeOffset.UtcNow.AddDays(1);
            for (long batch = 0; batch < 50; batch++)
            {
                StateWriter.Record(store, batch, expires);
                await store.FlushAsync();
            }
        }

        // A clean close folded the WAL into the database; cut the database itself.
        byte[] database = await File.ReadAllBytesAsync(Path.Combine(live, SqliteStateStore.FileName));
        int length = cut < 1 ? (int)(database.Length * cut) : (int)cut;
        long last = await OpenCopyAsync(database[..length], wal: null, mayBeSetAside: true);
        Assert.True(last is -1 or 49);
    }

    [Fact]
    public async Task Open_WriterProcessKilledWithSigkill_OpensWithWholeBatchesAndAllItReported()
    {
        string data = Path.Combine(_directory, "killed");
        var random = new Random(9);
        long lastSeenBefore = -1;
        for (int round = 0; round < 12; round++)
        {
            long reported = await RunWriterAndKillAsync(data, TimeSpan.FromMilliseconds(random.Next(0, 400)));

            await using SqliteStateStore store = SqliteStateStore.Open(data);
            long last = StateWriter.CheckConsistent(await store.LoadAsync(StateWriter.Network, StateWriter.Unlimited));
            Assert.True(last >= reported, $"round {round}: the writer reported batch {reported} flushed, the file holds up to {last}");
            Assert.True(last >= lastSeenBefore, $"round {round}: batches went back from {lastSeenBefore} to {last}");
            Assert.Empty(Directory.GetFiles(data, "*.damaged-*"));
            lastSeenBefore = last;
        }
    }

    /// <summary>Starts the writer, lets it report a first flush, kills it after <paramref name="delay"/>; returns the last batch it reported.</summary>
    private static async Task<long> RunWriterAndKillAsync(string data, TimeSpan delay)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(typeof(StateWriter).Assembly.Location);
        start.ArgumentList.Add("state-writer");
        start.ArgumentList.Add(data);

        long reported = -1;
        var firstFlush = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) =>
        {
            if (long.TryParse(e.Data, out long batch))
            {
                Interlocked.Exchange(ref reported, batch);
                firstFlush.TrySetResult();
            }
        };
        process.Start();
        process.BeginOutputReadLine();
        Task<string> errors = process.StandardError.ReadToEndAsync();
        try
        {
            await firstFlush.Task.WaitAsync(TimeSpan.FromSeconds(60));
            await Task.Delay(delay);
        }
        finally
        {
            // Process.Kill sends SIGKILL on Unix: no finally blocks, no flush, no checkpoint.
            process.Kill();
            await process.WaitForExitAsync();
        }

        Assert.True(process.ExitCode != 0, $"the writer exited by itself: {await errors}");
        process.CancelOutputRead();
        return Interlocked.Read(ref reported);
    }

    /// <summary>Opens a copy of a state file in a fresh directory, checks it, and returns its last batch.</summary>
    private async Task<long> OpenCopyAsync(byte[] database, byte[]? wal, bool mayBeSetAside = false)
    {
        string copy = Path.Combine(_directory, "copy-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(copy);
        string path = Path.Combine(copy, SqliteStateStore.FileName);
        await File.WriteAllBytesAsync(path, database);
        if (wal is not null)
        {
            await File.WriteAllBytesAsync(path + "-wal", wal);
        }

        try
        {
            await using SqliteStateStore store = SqliteStateStore.Open(copy);
            bool setAside = Directory.GetFiles(copy, "*.damaged-*").Length > 0;
            Assert.True(mayBeSetAside || !setAside, "a copy a crash could leave was taken for damaged");
            return StateWriter.CheckConsistent(await store.LoadAsync(StateWriter.Network, StateWriter.Unlimited));
        }
        finally
        {
            Directory.Delete(copy, recursive: true);
        }
    }

    /// <summary>Lengths to tear a WAL at: none of it, inside its header, inside the first frame, and at random bytes (not frame boundaries).</summary>
    private static IEnumerable<int> TearOffsets(int length, Random random)
    {
        yield return 0;
        if (length > 32)
        {
            yield return 17;
            yield return Math.Min(length, 32 + 24 + 100);
        }

        for (int i = 0; i < 3; i++)
        {
            yield return length == 0 ? 0 : random.Next(length);
        }
    }

    private static byte[] ReadShared(string path)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            return copy.ToArray();
        }
        catch (FileNotFoundException)
        {
            return [];
        }
    }
}
