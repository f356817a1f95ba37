using PolicyTracker.Contracts.Tracker;
using PolicyTracker.Tracker.LoggingDevelopment;
using PolicyTracker.Tracker.Predictions;

namespace PolicyTracker.Tracker.Tests.Decisions;

internal static class TestPredictions
{
    public static readonly DateTimeOffset Made = new(2017, 1, 4, 0, 0, 0, TimeSpan.Zero);

    public static PredictionRegistered Registered(double prior, string id = "iran-deal", DateTimeOffset? horizon = null) =>
        new(id, "Russia sticks with Iran", "Russia keeps the JCPOA alive.", "Russia defends the deal.", horizon ?? new DateTimeOffset(2021, 1, 20, 0, 0, 0, TimeSpan.Zero),
            prior, ["iran"], ["JCPOA"], new PredictionSource("Rapprochement on Russia's Terms", "Jeffrey Mankoff", "But that seems unlikely"),
            ProbabilityRules.Band(prior), "analyst", Made);

    public static Prediction Given(double prior) => Prediction.Create(Registered(prior));

    public static Prediction Apply(Prediction state, IEnumerable<object> events) =>
        events.Aggregate(state, (s, e) => Prediction.Fold(s, e)!);

    public static DevelopmentToLog Development(Stance stance, Strength strength, DateTimeOffset? at = null) =>
        new(Guid.NewGuid(), null, $"{stance} {strength}", at ?? Made.AddMonths(6), stance, strength, null, null, "analyst");
}
