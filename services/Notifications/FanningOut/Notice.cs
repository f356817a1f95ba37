using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using PolicyTracker.Contracts.Tracker;
using PolicyTracker.Notifications.Deliveries;
using PolicyTracker.Notifications.Subscriptions;
using PolicyTracker.ServiceDefaults;

namespace PolicyTracker.Notifications.FanningOut;

public sealed record CauseData(
    string Type,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] Guid? DevelopmentId,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Summary)
{
    public static CauseData From(ChangeCause cause) => new(cause.Type, cause.DevelopmentId, cause.Summary);
}

public sealed record StatusChangedData(
    string PredictionId, string Title, PredictionStatus From, PredictionStatus To, double Probability, double PreviousProbability,
    long Version, DateTimeOffset EffectiveAt, DateTimeOffset RecordedAt, CauseData Cause);

public sealed record ResolvedData(
    string PredictionId, string Title, Outcome Outcome, string Rationale, double Probability,
    long Version, DateTimeOffset EffectiveAt, DateTimeOffset RecordedAt);

public sealed record DevelopmentLoggedData(
    string PredictionId, string Title, Guid DevelopmentId, Guid? StatementId, string Summary, Stance Stance, Strength Strength,
    double Probability, PredictionStatus Status, long Version, DateTimeOffset EffectiveAt, DateTimeOffset RecordedAt);

public sealed record ProbabilityChangedData(
    string PredictionId, string Title, double PreviousProbability, double Probability, CauseData Cause,
    long Version, DateTimeOffset EffectiveAt, DateTimeOffset RecordedAt);

public sealed record ProbabilityCrossedData(
    string PredictionId, string Title, double Threshold, CrossingDirection Direction, double Probability, double PreviousProbability,
    long Version, DateTimeOffset EffectiveAt, DateTimeOffset RecordedAt);

/// <summary>One tracker event as every channel tells it: the webhook body, an email, a feed alert.</summary>
public sealed record Notice(
    Guid EventId, string PredictionId, long Version, string EventType, string Title, DateTimeOffset RecordedAt,
    string Body, string Headline, string Detail)
{
    private static readonly JsonSerializerOptions Json = CreateJson();

    private static JsonSerializerOptions CreateJson()
    {
        var options = new JsonSerializerOptions();
        ServiceDefaultsExtensions.ConfigureJson(options);
        return options;
    }

    private static string BodyOf(string eventType, DateTimeOffset timestamp, object data) =>
        JsonSerializer.Serialize(new WebhookBody("prediction." + eventType, timestamp, data), Json);

    private sealed record WebhookBody(string Type, DateTimeOffset Timestamp, object Data);

    private static string Kebab(Enum value) => JsonNamingPolicy.KebabCaseLower.ConvertName(value.ToString());

    private static string CauseText(ChangeCause cause) =>
        cause.Summary is { Length: > 0 } summary ? $"{cause.Type}: {summary}" : cause.Type;

    public static Notice Of(Guid eventId, PredictionStatusChangedNotice m) => new(
        eventId, m.PredictionId, m.Version, NotificationEventTypes.StatusChanged, m.Title, m.RecordedAt,
        BodyOf(NotificationEventTypes.StatusChanged, m.RecordedAt, new StatusChangedData(
            m.PredictionId, m.Title, m.From, m.To, m.Probability, m.PreviousProbability, m.Version, m.EffectiveAt, m.RecordedAt, CauseData.From(m.Cause))),
        $"{m.Title}: {Kebab(m.From)} -> {Kebab(m.To)}",
        $"The prediction \"{m.Title}\" ({m.PredictionId}) moved from {Kebab(m.From)} to {Kebab(m.To)}; probability {m.PreviousProbability:0.00} -> {m.Probability:0.00}. Cause: {CauseText(m.Cause)}.");

    public static Notice Of(Guid eventId, PredictionResolvedNotice m) => new(
        eventId, m.PredictionId, m.Version, NotificationEventTypes.Resolved, m.Title, m.RecordedAt,
        BodyOf(NotificationEventTypes.Resolved, m.RecordedAt, new ResolvedData(
            m.PredictionId, m.Title, m.Outcome, m.Rationale, m.Probability, m.Version, m.EffectiveAt, m.RecordedAt)),
        $"{m.Title}: resolved {Kebab(m.Outcome)}",
        $"The prediction \"{m.Title}\" ({m.PredictionId}) was resolved as {Kebab(m.Outcome)}. Cause: {m.Rationale}.");

    public static Notice Of(Guid eventId, PredictionDevelopmentLoggedNotice m) => new(
        eventId, m.PredictionId, m.Version, NotificationEventTypes.DevelopmentLogged, m.Title, m.RecordedAt,
        BodyOf(NotificationEventTypes.DevelopmentLogged, m.RecordedAt, new DevelopmentLoggedData(
            m.PredictionId, m.Title, m.DevelopmentId, m.StatementId, m.Summary, m.Stance, m.Strength, m.Probability, m.Status,
            m.Version, m.EffectiveAt, m.RecordedAt)),
        $"{m.Title}: a {Kebab(m.Strength)} development {Kebab(m.Stance)} it",
        $"A {Kebab(m.Strength)} development that {Kebab(m.Stance)} the prediction \"{m.Title}\" ({m.PredictionId}) was logged; probability now {m.Probability:0.00}, status {Kebab(m.Status)}. Cause: {m.Summary}.");

    public static Notice Of(Guid eventId, PredictionProbabilityChangedNotice m) => new(
        eventId, m.PredictionId, m.Version, NotificationEventTypes.ProbabilityChanged, m.Title, m.RecordedAt,
        BodyOf(NotificationEventTypes.ProbabilityChanged, m.RecordedAt, new ProbabilityChangedData(
            m.PredictionId, m.Title, m.PreviousProbability, m.Probability, CauseData.From(m.Cause), m.Version, m.EffectiveAt, m.RecordedAt)),
        $"{m.Title}: probability {m.PreviousProbability:0.00} -> {m.Probability:0.00}",
        $"The probability of the prediction \"{m.Title}\" ({m.PredictionId}) moved from {m.PreviousProbability:0.00} to {m.Probability:0.00}. Cause: {CauseText(m.Cause)}.");

    /// <summary>
    /// A crossing is an alert of its own, one per threshold: its id is derived from the event and the
    /// threshold, so each has its own delivery and webhook-id, the same however often the event arrives.
    /// </summary>
    public static Notice Crossed(Guid eventId, PredictionProbabilityChangedNotice m, Crossing crossing)
    {
        var threshold = crossing.Threshold.ToString("R", CultureInfo.InvariantCulture);
        var direction = Kebab(crossing.Direction);
        return new(
            DeterministicIds.Sha256($"{eventId:N}/{NotificationEventTypes.ProbabilityCrossed}/{threshold}"),
            m.PredictionId, m.Version, NotificationEventTypes.ProbabilityCrossed, m.Title, m.RecordedAt,
            BodyOf(NotificationEventTypes.ProbabilityCrossed, m.RecordedAt, new ProbabilityCrossedData(
                m.PredictionId, m.Title, crossing.Threshold, crossing.Direction, m.Probability, m.PreviousProbability, m.Version, m.EffectiveAt, m.RecordedAt)),
            $"{m.Title}: probability crossed {threshold} {direction} ({m.PreviousProbability:0.00} -> {m.Probability:0.00})",
            $"The probability of the prediction \"{m.Title}\" ({m.PredictionId}) crossed {threshold} going {direction}, from {m.PreviousProbability:0.00} to {m.Probability:0.00}. Cause: {CauseText(m.Cause)}.");
    }

    public EmailContent Email()
    {
        var html = $"<html><body><h1>{Escape(Headline)}</h1><p>{Escape(Detail)}</p><p>Prediction: <code>{Escape(PredictionId)}</code>, version {Version}.</p></body></html>";
        return new EmailContent($"[PolicyTracker] {Headline}", $"{Headline}\n\n{Detail}\n\nPrediction: {PredictionId}, version {Version}.\n", html);
    }

    private static string Escape(string s) => System.Net.WebUtility.HtmlEncode(s);
}
