using System.Text.RegularExpressions;

namespace PolicyTracker.Tracker.Predictions;

/// <summary>Prediction ids are slugs (sanctions-relief): the stream key in URLs, messages and subscriptions.</summary>
public static partial class PredictionId
{
    [GeneratedRegex("^[a-z0-9]+(-[a-z0-9]+)*$")]
    private static partial Regex Slug();

    public static bool IsValid(string? id) => id is { Length: > 0 and <= 80 } && Slug().IsMatch(id);
}
