using System.Collections.Concurrent;

namespace DhtNet.Cli.Api;

/// <summary>
/// The sinks following each lookup key (a copy-on-write array per key, so the hot path reads without
/// locking): how the RPC streams the hops of the lookup it started.
/// </summary>
internal sealed class Followers<TKey>
    where TKey : notnull
{
    private readonly ConcurrentDictionary<TKey, Action<QueryEvent>[]> _followers;

    public Followers(IEqualityComparer<TKey>? comparer = null)
    {
        _followers = new ConcurrentDictionary<TKey, Action<QueryEvent>[]>(comparer);
    }

    public bool IsEmpty => _followers.IsEmpty;

    /// <summary>Adds <paramref name="onEvent"/> under <paramref name="key"/> until the result is disposed.</summary>
    public IDisposable Add(TKey key, Action<QueryEvent> onEvent)
    {
        _followers.AddOrUpdate(key, [onEvent], (_, existing) => [.. existing, onEvent]);
        return new Unfollow(this, key, onEvent);
    }

    public Action<QueryEvent>[]? Of(TKey key) => _followers.TryGetValue(key, out var followers) ? followers : null;

    /// <summary>Tells every sink in <paramref name="followers"/> (from <see cref="Of"/>) about <paramref name="e"/>.</summary>
    public static void Notify(Action<QueryEvent>[]? followers, QueryEvent e)
    {
        if (followers is null)
        {
            return;
        }

        foreach (var follower in followers)
        {
            follower(e);
        }
    }

    private sealed class Unfollow(Followers<TKey> owner, TKey key, Action<QueryEvent> onEvent) : IDisposable
    {
        public void Dispose()
        {
            while (owner._followers.TryGetValue(key, out var existing))
            {
                var rest = existing.Where(f => f != onEvent).ToArray();
                if (rest.Length == 0
                    ? owner._followers.TryRemove(KeyValuePair.Create(key, existing))
                    : owner._followers.TryUpdate(key, rest, existing))
                {
                    return;
                }
            }
        }
    }
}
