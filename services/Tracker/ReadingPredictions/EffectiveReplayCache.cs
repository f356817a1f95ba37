using System.Collections.Concurrent;
using PolicyTracker.Tracker.Predictions;

namespace PolicyTracker.Tracker.ReadingPredictions;

/// <summary>
/// The effective-order replay of a stream, kept for the stream's current version. Any as-of by
/// effective time is a prefix of that replay (same order, same retractions known now), so once it is
/// built a query is a binary search. A new event extends it: only the events after the cached version
/// are read, and the replay is re-run from the first place they fall into in effective order (at the end
/// for news, which is the usual case), so a write on a 100,000-event stream no longer costs a full
/// rebuild. A retraction changes what every later entry counts, so it rebuilds the replay.
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

    public async Task<Replay> GetAsync(string id, long version, Func<Task<IReadOnlyList<RecordedEvent>>> load,
        Func<long, Task<IReadOnlyList<RecordedEvent>>>? loadAfter = null)
    {
        _replays.TryGetValue(id, out var cached);
        if (cached is not null && cached.Version == version)
        {
            return cached;
        }
        Replay? replay = null;
        if (cached is not null && cached.Version < version && cached.Entries.Count > 0 && loadAfter is not null)
        {
            var added = await loadAfter(cached.Version);
            if (added.Count > 0 && added.All(e => e.Data is not (DevelopmentRetracted or PredictionRegistered)))
            {
                replay = Extend(cached, added);
            }
        }
        replay ??= Build(await load());
        if (_replays.Count >= Capacity)
        {
            _replays.Clear();
        }
        _replays[id] = replay;
        return replay;
    }

    private static Replay Build(IReadOnlyList<RecordedEvent> events)
    {
        var entries = Replays.ByEffective(events);
        return new Replay(events.Count == 0 ? 0 : events.Max(e => e.Version), entries,
            entries.Skip(1).Select(e => e.Event.Data.EffectiveAt).ToArray(),
            events.Select(e => e.Data).OfType<DevelopmentRetracted>().Select(r => r.DevelopmentId).ToHashSet());
    }

    /// <summary>
    /// The cached replay plus events recorded after it. Entries before the earliest new effective time
    /// stay as they are (new events have higher versions, so at an equal time they come after); from there
    /// on the fold re-runs over the old entries and the new events in effective order.
    /// </summary>
    private static Replay Extend(Replay cached, IReadOnlyList<RecordedEvent> added)
    {
        var earliest = added.Min(e => e.Data.EffectiveAt);
        // Keep every entry that took effect at or before `earliest` (the registration always: it is first whatever its time).
        var keep = Math.Max(1, cached.CountUpTo(earliest));
        var kept = cached.Entries.Take(keep);
        var rest = cached.Entries.Skip(keep).Select(e => e.Event).Concat(added)
            .OrderBy(e => e.Data.EffectiveAt).ThenBy(e => e.Version);
        var entries = kept.Concat(Replays.ContinueByEffective(cached.Entries[keep - 1].State, rest, cached.Retracted)).ToList();
        return new Replay(Math.Max(cached.Version, added.Max(e => e.Version)), entries,
            entries.Skip(1).Select(e => e.Event.Data.EffectiveAt).ToArray(), cached.Retracted);
    }
}
