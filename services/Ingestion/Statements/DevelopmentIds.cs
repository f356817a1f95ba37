using PolicyTracker.ServiceDefaults;

namespace PolicyTracker.Ingestion.Statements;

/// <summary>
/// A development's id is a name-based (RFC 9562 version 5) UUID of statement and prediction, so
/// linking or forwarding the same pair again names the same development and the Tracker appends nothing.
/// </summary>
public static class DevelopmentIds
{
    private static readonly Guid Namespace = new("5b0f3c1e-7a51-4c1a-9d7e-6f1f2a0d9e41");

    public static Guid For(Guid statementId, string predictionId) => DeterministicIds.V5(Namespace, $"{statementId:D}/{predictionId}");
}
