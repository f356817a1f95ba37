using System.Collections.Concurrent;
using PolicyTracker.Tracker.Predictions;

namespace PolicyTracker.Tracker.ReadingPredictions;

/// <summary>
/// The effective-order replay of a stream, kept for the stream's current version. Any as-of by
/// effective time is a prefix of that replay (same order, same retractions known now), so once it is
/// built a query is a binary search; a new event changes the version and the replay is rebuilt.
/// </summary>
public sealed class EffectiveReplayCache
{
    private const int Capacity = 32;
    private readonly ConcurrentDictionary<string, Replay> _replays = new();

    public sealed record Replay(long Version, IReadOnlyList<TimelineEntry> Entries, DateTimeOffset[] EffectiveTimes, IReadOnlySet<Guid> Retracted)
    {
        /// <summary>The entries that took effect at or before <paramref name="at"/>; empty before registration.</summary>
        public int CountUpTo(DateTimeOffset at)
        {
            if (Entries.Count == 0 || Entries[0].Event.Data.EffectiveAt > at)
            {
                return 0;
            }
            // EffectiveTimes[i] belongs to Entries[i + 1]: everything after the registration, in effective order.
            int low = 0, high = EffectiveTimes.Length;
            while (low < high)
            {
                var middle = (low + high) / 2;
                if (EffectiveTimes[middle] <= at)
                {
                    low = middle + 1;
                }
                else
                {
                    high = middle;
                }
            }
            return low + 1;
        }
    }

    public async Task<Replay> GetAsync(string id, long version, Func<Task<IReadOnlyList<RecordedEvent>>> load)
    {
        if (_replays.TryGetValue(id, out var cached) && cached.Version == version)
        {
            return cached;
        }
        var events = await load();
        var entries = Replays.ByEffective(events);
        var replay = new Replay(events.Count == 0 ? 0 : events.Max(e => e.Version), entries,
            entries.Skip(1).Select(e => e.Event.Data.EffectiveAt).ToArray(),
            events.Select(e => e.Data).OfType<DevelopmentRetracted>().Select(r => r.DevelopmentId).ToHashSet());
        if (_replays.Count >= Capacity)
        {
            _replays.Clear();
        }
        _replays[id] = replay;
        return replay;
    }
}
