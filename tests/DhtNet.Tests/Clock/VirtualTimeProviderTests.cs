using System.Security.Cryptography;

namespace DhtNet.Tests.Clock;

public class VirtualTimeProviderTests
{
    private static TimeSpan Ms(double milliseconds) => TimeSpan.FromMilliseconds(milliseconds);

    [Fact]
    public void Advance_TimersWithDifferentDueTimes_FireInDueOrderAtTheirDueTime()
    {
        var clock = new VirtualTimeProvider();
        var fired = new List<(int Id, TimeSpan At)>();
        foreach (int delay in new[] { 30, 10, 20 })
        {
            clock.CreateTimer(_ => fired.Add((delay, clock.Elapsed)), null, Ms(delay), Timeout.InfiniteTimeSpan);
        }

        clock.Advance(Ms(25));
        Assert.Equal([(10, Ms(10)), (20, Ms(20))], fired);
        Assert.Equal(Ms(25), clock.Elapsed);

        clock.Advance(Ms(5));
        Assert.Equal((30, Ms(30)), fired[^1]);
        Assert.Equal(0, clock.PendingTimers);
    }

    [Fact]
    public void Advance_TimersWithSameDueTime_FireInCreationOrder()
    {
        var clock = new VirtualTimeProvider();
        var fired = new List<int>();
        for (int i = 0; i < 10; i++)
        {
            int id = i;
            clock.CreateTimer(_ => fired.Add(id), null, Ms(5), Timeout.InfiniteTimeSpan);
        }

        clock.Advance(Ms(5));
        Assert.Equal(Enumerable.Range(0, 10), fired);
    }

    [Fact]
    public void Advance_PeriodicTimer_FiresOncePerPeriodWithoutDrift()
    {
        var clock = new VirtualTimeProvider();
        var fired = new List<TimeSpan>();
        using var timer = clock.CreateTimer(_ => fired.Add(clock.Elapsed), null, Ms(10), Ms(15));

        clock.Advance(Ms(50));

        Assert.Equal([Ms(10), Ms(25), Ms(40)], fired);
        Assert.Equal(1, clock.PendingTimers);
    }

    [Fact]
    public void Change_ToLaterDueTime_FiresOnlyAtNewTime()
    {
        var clock = new VirtualTimeProvider();
        var fired = new List<TimeSpan>();
        using var timer = clock.CreateTimer(_ => fired.Add(clock.Elapsed), null, Ms(10), Timeout.InfiniteTimeSpan);

        clock.Advance(Ms(5));
        Assert.True(timer.Change(Ms(20), Timeout.InfiniteTimeSpan));
        clock.Advance(Ms(100));

        Assert.Equal([Ms(25)], fired);
    }

    [Fact]
    public void Change_ToInfinite_StopsTimer()
    {
        var clock = new VirtualTimeProvider();
        int fired = 0;
        using var timer = clock.CreateTimer(_ => fired++, null, Ms(10), Ms(10));

        clock.Advance(Ms(10));
        Assert.True(timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan));
        clock.Advance(Ms(100));

        Assert.Equal(1, fired);
        Assert.Equal(0, clock.PendingTimers);
    }

    [Fact]
    public void Change_FromInsideCallback_ReschedulesPeriodicTimer()
    {
        var clock = new VirtualTimeProvider();
        var fired = new List<TimeSpan>();
        ITimer? timer = null;
        timer = clock.CreateTimer(_ =>
        {
            fired.Add(clock.Elapsed);
            timer!.Change(Ms(100), Timeout.InfiniteTimeSpan);
        }, null, Ms(10), Ms(10));

        clock.Advance(Ms(200));

        Assert.Equal([Ms(10), Ms(110)], fired);
    }

    [Fact]
    public void Dispose_PendingTimer_NeverFiresAndChangeReturnsFalse()
    {
        var clock = new VirtualTimeProvider();
        int fired = 0;
        var timer = clock.CreateTimer(_ => fired++, null, Ms(10), Ms(10));

        timer.Dispose();
        clock.Advance(Ms(100));

        Assert.Equal(0, fired);
        Assert.False(timer.Change(Ms(1), Timeout.InfiniteTimeSpan));
        clock.Advance(Ms(100));
        Assert.Equal(0, fired);
    }

    [Fact]
    public void PendingTimers_AfterDisposeAndChange_CountsOnlyLiveTimers()
    {
        var clock = new VirtualTimeProvider();
        var a = clock.CreateTimer(_ => { }, null, Ms(10), Timeout.InfiniteTimeSpan);
        var b = clock.CreateTimer(_ => { }, null, Ms(10), Timeout.InfiniteTimeSpan);
        _ = clock.CreateTimer(_ => { }, null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        Assert.Equal(2, clock.PendingTimers);

        a.Dispose();
        b.Change(Ms(20), Timeout.InfiniteTimeSpan);
        b.Change(Ms(30), Timeout.InfiniteTimeSpan);

        Assert.Equal(1, clock.PendingTimers);
    }

    [Fact]
    public void Change_RepeatedManyTimes_QueueStaysBounded()
    {
        var clock = new VirtualTimeProvider();
        using var keep = clock.CreateTimer(_ => { }, null, Ms(5), Timeout.InfiniteTimeSpan);
        using var timer = clock.CreateTimer(_ => { }, null, TimeSpan.FromHours(1), Timeout.InfiniteTimeSpan);

        // A receive timeout pushed back on every packet.
        for (int i = 0; i < 100_000; i++)
        {
            timer.Change(TimeSpan.FromHours(1) + Ms(i), Timeout.InfiniteTimeSpan);
        }

        Assert.Equal(2, clock.PendingTimers);
        Assert.True(clock.QueuedEntries < 200, $"queue holds {clock.QueuedEntries} entries");
        Assert.True(clock.AdvanceToNextTimer());
        Assert.Equal(Ms(5), clock.Elapsed);
    }

    [Fact]
    public void Advance_AfterABurstOfTimersFires_GivesTheQueueStorageBack()
    {
        var clock = new VirtualTimeProvider();
        using var keep = clock.CreateTimer(_ => { }, null, TimeSpan.FromHours(1), Timeout.InfiniteTimeSpan);

        // Every node of a swarm arming a request timeout at once, then all of them firing.
        var burst = new List<ITimer>();
        for (int i = 0; i < 100_000; i++)
        {
            burst.Add(clock.CreateTimer(_ => { }, null, Ms(1 + (i % 100)), Timeout.InfiniteTimeSpan));
        }

        Assert.True(clock.QueueCapacity >= 100_000);
        clock.Advance(Ms(200));

        Assert.Equal(1, clock.PendingTimers);
        Assert.True(clock.QueueCapacity < 10_000, $"queue storage holds {clock.QueueCapacity} slots after the burst");
        burst.ForEach(t => t.Dispose());
    }

    [Fact]
    public void Change_NegativePeriod_ThrowsAndLeavesTimerAsItWas()
    {
        var clock = new VirtualTimeProvider();
        var fired = new List<TimeSpan>();
        using var timer = clock.CreateTimer(_ => fired.Add(clock.Elapsed), null, Ms(10), Timeout.InfiniteTimeSpan);

        Assert.Throws<ArgumentOutOfRangeException>(() => timer.Change(Ms(1), Ms(-5)));
        clock.Advance(Ms(30));

        Assert.Equal([Ms(10)], fired);
    }

    [Fact]
    public void Advance_CallbackCreatesTimerDueWithinWindow_FiresInSameAdvance()
    {
        var clock = new VirtualTimeProvider();
        var fired = new List<TimeSpan>();
        clock.CreateTimer(_ => clock.CreateTimer(_ => fired.Add(clock.Elapsed), null, Ms(5), Timeout.InfiniteTimeSpan),
            null, Ms(10), Timeout.InfiniteTimeSpan);

        clock.Advance(Ms(20));

        Assert.Equal([Ms(15)], fired);
        Assert.Equal(Ms(20), clock.Elapsed);
    }

    [Fact]
    public async Task TaskDelay_OnVirtualClock_CompletesOnlyWhenAdvancedFarEnough()
    {
        var clock = new VirtualTimeProvider();
        var delay = Task.Delay(TimeSpan.FromSeconds(1), clock);

        clock.Advance(Ms(999));
        Assert.False(delay.IsCompleted);

        clock.Advance(Ms(1));
        Assert.True(delay.IsCompletedSuccessfully);
        await delay;
    }

    [Fact]
    public void CancellationTokenSource_WithVirtualClock_CancelsWhenAdvanced()
    {
        var clock = new VirtualTimeProvider();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30), clock);

        clock.Advance(TimeSpan.FromSeconds(29));
        Assert.False(cts.IsCancellationRequested);

        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.True(cts.IsCancellationRequested);
    }

    [Fact]
    public void AdvanceToNextTimer_NoTimers_ReturnsFalseAndKeepsTime()
    {
        var clock = new VirtualTimeProvider();

        Assert.False(clock.AdvanceToNextTimer());
        Assert.Equal(TimeSpan.Zero, clock.Elapsed);
    }

    [Fact]
    public void AdvanceToNextTimer_SeveralTimers_JumpsToEarliestAndFiresAllDueThen()
    {
        var clock = new VirtualTimeProvider();
        var fired = new List<string>();
        clock.CreateTimer(_ => fired.Add("late"), null, Ms(70), Timeout.InfiniteTimeSpan);
        clock.CreateTimer(_ => fired.Add("a"), null, Ms(40), Timeout.InfiniteTimeSpan);
        clock.CreateTimer(_ => fired.Add("b"), null, Ms(40), Timeout.InfiniteTimeSpan);

        Assert.True(clock.AdvanceToNextTimer());

        Assert.Equal(["a", "b"], fired);
        Assert.Equal(Ms(40), clock.Elapsed);
        Assert.Equal(1, clock.PendingTimers);
    }

    [Fact]
    public void AdvanceToNextTimer_NextTimerBeyondLimit_ReturnsFalseAndKeepsTime()
    {
        var clock = new VirtualTimeProvider();
        int fired = 0;
        clock.CreateTimer(_ => fired++, null, Ms(100), Timeout.InfiniteTimeSpan);

        Assert.False(clock.AdvanceToNextTimer(Ms(99)));
        Assert.Equal(TimeSpan.Zero, clock.Elapsed);
        Assert.True(clock.AdvanceToNextTimer(Ms(100)));
        Assert.Equal(1, fired);
    }

    [Fact]
    public void AdvanceToNextTimer_DisposedEarliestTimer_SkipsToNextLiveOne()
    {
        var clock = new VirtualTimeProvider();
        int fired = 0;
        var early = clock.CreateTimer(_ => fired += 100, null, Ms(10), Timeout.InfiniteTimeSpan);
        clock.CreateTimer(_ => fired++, null, Ms(50), Timeout.InfiniteTimeSpan);
        early.Dispose();

        Assert.True(clock.AdvanceToNextTimer());

        Assert.Equal(1, fired);
        Assert.Equal(Ms(50), clock.Elapsed);
    }

    [Fact]
    public void RunUntil_TaskWaitingOnTheClock_RunsTimersUntilItIsDone()
    {
        var clock = new VirtualTimeProvider();
        using var ticking = clock.CreateTimer(_ => { }, null, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));

        Assert.True(clock.RunUntil(Task.Delay(TimeSpan.FromHours(1), clock)));

        Assert.Equal(TimeSpan.FromHours(1), clock.Elapsed);
    }

    [Fact]
    public void RunUntil_NoTimersLeft_ReturnsFalse()
    {
        var clock = new VirtualTimeProvider();

        Assert.False(clock.RunUntil(new TaskCompletionSource().Task));
        Assert.Equal(TimeSpan.Zero, clock.Elapsed);
    }

    [Fact]
    public void RunUntil_TaskRunningOnThreadPool_ClockStandsStillUntilItIsDone()
    {
        // A periodic timer is always due: a clock run while the pool does the work would move minutes per step.
        var clock = new VirtualTimeProvider();
        using var ticking = clock.CreateTimer(_ => { }, null, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
        var block = new byte[4096];
        var movedDuringWork = TimeSpan.MaxValue;
        var work = Task.Run(() =>
        {
            var start = clock.GetUtcNow();
            for (int i = 0; i < 2_000; i++)
            {
                block = SHA256.HashData(block).Concat(block[32..]).ToArray();
            }

            movedDuringWork = clock.GetUtcNow() - start;
        });

        Assert.True(clock.RunUntil(work));

        Assert.Equal(TimeSpan.Zero, movedDuringWork);
        Assert.Equal(TimeSpan.Zero, clock.Elapsed);
    }

    [Fact]
    public void RunUntil_ContinuationQueuedToThreadPool_ClockStandsStillUntilItRan()
    {
        // The restore tests' shape: a finished step, then a continuation the thread pool runs when it gets to it.
        var clock = new VirtualTimeProvider();
        using var ticking = clock.CreateTimer(_ => { }, null, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
        var continuation = Task.CompletedTask.ContinueWith(_ => clock.GetUtcNow(), TaskScheduler.Default);

        Assert.True(clock.RunUntil(continuation));

        Assert.Equal(TimeSpan.Zero, clock.Elapsed);
    }

    [Fact]
    public void Advance_MovesUtcNowAndTimestampTogether()
    {
        var start = new DateTimeOffset(2030, 5, 6, 7, 8, 9, TimeSpan.Zero);
        var clock = new VirtualTimeProvider(start);
        long t0 = clock.GetTimestamp();

        clock.Advance(TimeSpan.FromMinutes(90));

        Assert.Equal(start.AddMinutes(90), clock.GetUtcNow());
        Assert.Equal(TimeSpan.FromMinutes(90), clock.GetElapsedTime(t0));
        Assert.Throws<ArgumentOutOfRangeException>(() => clock.Advance(Ms(-1)));
    }
}
