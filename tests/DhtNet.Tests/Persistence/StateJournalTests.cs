namespace DhtNet.Tests.Persistence;

/// <summary>The journal the serving path appends to: bounded, lock-free, every change recorded once and in order.</summary>
public sealed class StateJournalTests
{
    [Fact]
    public void Drain_ManyLapsOfTheRing_EveryChangeOnceInOrder()
    {
        var recorded = new List<int>();
        var journal = new StateJournal<int>(3, recorded.Add);

        // 3 a drain, far past the ring's 1,024 slots.
        for (int i = 0; i < 3_000; i += 3)
        {
            Assert.True(journal.Append(i));
            Assert.True(journal.Append(i + 1));
            Assert.True(journal.Append(i + 2));
            Assert.False(journal.Append(-1));
            Assert.Equal(3, journal.Drain());
        }

        Assert.Equal(Enumerable.Range(0, 3_000), recorded);
        Assert.Equal(1_000, journal.Dropped);
        Assert.Equal(0, journal.Count);
    }

    [Fact]
    public async Task Append_FromManyThreadsWhileDraining_EachAcceptedChangeRecordedOnce()
    {
        const int Writers = 4;
        const int PerWriter = 50_000;
        var recorded = new List<long>();
        var journal = new StateJournal<long>(5_000, recorded.Add);
        long accepted = 0;
        var writers = Enumerable.Range(0, Writers).Select(w => Task.Run(() =>
        {
            for (long i = 0; i < PerWriter; i++)
            {
                if (journal.Append(((long)w << 32) | i))
                {
                    Interlocked.Increment(ref accepted);
                }
            }
        })).ToArray();

        Task all = Task.WhenAll(writers);
        while (!all.IsCompleted)
        {
            journal.Drain();
        }

        await all;
        journal.Drain();

        Assert.Equal(Interlocked.Read(ref accepted), recorded.Count);
        Assert.Equal(Writers * (long)PerWriter, recorded.Count + journal.Dropped);
        Assert.Equal(recorded.Count, recorded.Distinct().Count());

        // Each writer's changes in the order it appended them.
        Assert.All(recorded.GroupBy(c => c >> 32), g => Assert.Equal(g.OrderBy(c => c), g));
        Assert.Equal(0, journal.Count);
    }
}
