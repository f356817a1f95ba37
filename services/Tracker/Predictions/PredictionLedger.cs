using JasperFx.Events;
using Marten;

namespace PolicyTracker.Tracker.Predictions;

/// <summary>
/// What every append to a prediction stream writes beside the events, in the same session and so the
/// same transaction: the hash-chain link of each event and a checkpoint at every hundredth version.
/// Callers append the events themselves (StartStream, or the stream from FetchForWriting, whose
/// version check guarantees the versions numbered here).
/// </summary>
public static class PredictionLedger
{
    public static async Task<Prediction> RecordAsync(
        IDocumentSession session, string predictionId, Prediction? state, long currentVersion,
        IReadOnlyList<object> events, CancellationToken cancellationToken)
    {
        var previousHash = currentVersion == 0
            ? HashChain.Genesis
            : (await session.LoadAsync<EventHash>(EventHash.Key(predictionId, currentVersion), cancellationToken))?.Hash
              ?? HashChain.Genesis;
        var serializer = session.DocumentStore.Options.Serializer();
        var version = currentVersion;
        foreach (var @event in events)
        {
            version++;
            state = Prediction.Fold(state, @event)!;
            var type = @event.GetType().GetEventTypeName();
            var hash = HashChain.Compute(previousHash, type, version, serializer.ToJson(@event));
            session.Insert(new EventHash(EventHash.Key(predictionId, version), predictionId, version, hash));
            if (version % PredictionCheckpoint.Interval == 0)
            {
                var snapshot = state with { };
                snapshot.Version = version;
                session.Insert(new PredictionCheckpoint(PredictionCheckpoint.Key(predictionId, version), predictionId, version, snapshot));
            }
            if (@event is DevelopmentLogged logged)
            {
                session.Insert(new DevelopmentRecord
                {
                    Id = logged.DevelopmentId,
                    PredictionId = predictionId,
                    LoggedVersion = version,
                    StatementId = logged.StatementId,
                    Summary = logged.Summary,
                    Stance = logged.Stance,
                    Strength = logged.Strength,
                    Rationale = logged.Rationale,
                    EffectiveAt = logged.EffectiveAt,
                    RecordedBy = logged.RecordedBy,
                });
            }
            previousHash = hash;
        }
        state!.Version = version;
        return state;
    }
}
