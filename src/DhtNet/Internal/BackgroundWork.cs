using Microsoft.Extensions.Logging;

namespace DhtNet.Internal;

/// <summary>Fire-and-forget work whose failures are logged instead of lost.</summary>
internal static class BackgroundWork
{
    /// <summary>Lets <paramref name="task"/> run on; an exception it ends with is logged, a cancellation ignored.</summary>
    public static void Observe(this Task task, ILogger logger, string what)
    {
        if (task.IsCompletedSuccessfully)
        {
            return;
        }

        task.ContinueWith(
            static (t, state) =>
            {
                var (logger, what) = ((ILogger, string))state!;
                if (t.Exception is { } error && error.InnerException is not OperationCanceledException)
                {
                    Log.BackgroundFailure(logger, what, error.GetBaseException());
                }
            },
            (logger, what),
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously | TaskContinuationOptions.NotOnRanToCompletion,
            TaskScheduler.Default);
    }
}
