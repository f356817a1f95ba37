using JasperFx.Events;
using Marten;
using Marten.Events.Projections;

namespace PolicyTracker.Tracker.Predictions;

/// <summary>
/// What every append to a prediction stream writes beside its events: the hash-chain link of each
/// event, a checkpoint at every hundredth version and the development records. Registered Inline, so
/// it runs inside the SaveChangesAsync that appends the events and commits in the same transaction:
/// no writer can append without it.
/// </summary>
public sealed class PredictionLedgerProjection : IProjection
{
    public async Task ApplyAsync(IDocumentOperations operations, IReadOnlyList<IEvent> events, CancellationToken cancellation)
    {
        var serializer = operations.DocumentStore.Options.Serializer();
        var streams = events.GroupBy(e => e.StreamKey!).Select(s => s.OrderBy(e => e.Version).ToList()).ToList();
        // The previous link of every stream in one round trip: a batch appending to many predictions pays one, not one each.
        var previousKeys = streams.Where(s => s[0].Version > 1).Select(s => EventHash.Key(s[0].StreamKey!, s[0].Version - 1)).ToArray();
        var previousHashes = previousKeys.Length == 0
            ? new Dictionary<string, string>()
            : (await operations.LoadManyAsync<EventHash>(cancellation, previousKeys)).ToDictionary(h => h.Id, h => h.Hash);
        // The committed state of every stream that crosses a checkpoint, also in one round trip: the stored
        // snapshot is that state whenever its version is the one before this append (the usual case); otherwise
        // it is rebuilt from the checkpoint below.
        var crossing = streams.Where(s => s.Any(e => e.Version % PredictionCheckpoint.Interval == 0) && s[0].Version > 1)
            .Select(s => s[0].StreamKey!).ToArray();
        var snapshots = crossing.Length == 0
            ? new Dictionary<string, Prediction>()
            : (await operations.LoadManyAsync<Prediction>(cancellation, crossing)).ToDictionary(p => p.Id);
        foreach (var appended in streams)
        {
            var id = appended[0].StreamKey!;
            var before = appended[0].Version - 1;
            var previousHash = before == 0
                ? HashChain.Genesis
                : previousHashes.GetValueOrDefault(EventHash.Key(id, before)) ?? HashChain.Genesis;
            var crossesCheckpoint = appended.Any(e => e.Version % PredictionCheckpoint.Interval == 0);
            var state = !crossesCheckpoint ? null
                : snapshots.GetValueOrDefault(id) is { } stored && stored.Version == before ? stored
                : await StateAtAsync(operations, id, before, cancellation);
            var developments = new Dictionary<Guid, DevelopmentRecord>();
            foreach (var e in appended)
            {
                var hash = HashChain.Compute(previousHash, e.EventTypeName, e.Version, serializer.ToJson(e.Data));
                operations.Insert(new EventHash(EventHash.Key(id, e.Version), id, e.Version, hash));
                previousHash = hash;

                if (crossesCheckpoint)
                {
                    state = Prediction.Fold(state, e.Data);
                }
                if (e.Version % PredictionCheckpoint.Interval == 0 && state is not null)
                {
                    var snapshot = state with { };
                    snapshot.Version = e.Version;
                    operations.Insert(new PredictionCheckpoint(PredictionCheckpoint.Key(id, e.Version), id, e.Version, snapshot));
                }

                switch (e.Data)
                {
                    case DevelopmentLogged logged:
                        var record = DevelopmentRecord.Of(logged, e.Version);
                        developments[record.Id] = record;
                        operations.Insert(record);
                        break;
                    case DevelopmentRetracted retracted:
                        var retractedRecord = developments.GetValueOrDefault(retracted.DevelopmentId)
                            ?? await operations.LoadAsync<DevelopmentRecord>(retracted.DevelopmentId, cancellation);
                        if (retractedRecord is not null)
                        {
                            retractedRecord.RetractedVersion = e.Version;
                            operations.Store(retractedRecord);
                        }
                        break;
                }
            }
        }
    }

    /// <summary>
    /// The state at a committed version, needed only when this append crosses a checkpoint: the
    /// checkpoint below it plus at most 99 committed events, so the cost stays flat on a long stream.
    /// </summary>
    private static async Task<Prediction?> StateAtAsync(IDocumentOperations operations, string id, long version, CancellationToken cancellation)
    {
        if (version == 0)
        {
            return null;
        }
        var checkpointVersion = version / PredictionCheckpoint.Interval * PredictionCheckpoint.Interval;
        var checkpoint = checkpointVersion == 0
            ? null
            : await operations.LoadAsync<PredictionCheckpoint>(PredictionCheckpoint.Key(id, checkpointVersion), cancellation);
        var state = checkpoint?.State;
        if (checkpoint is not null && checkpointVersion == version)
        {
            return state;
        }
        var committed = await operations.Events.FetchStreamAsync(id, version, null, checkpoint is null ? 1 : checkpointVersion + 1, cancellation);
        return committed.Aggregate(state, (current, e) => Prediction.Fold(current, e.Data));
    }
}
