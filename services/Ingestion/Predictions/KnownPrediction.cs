using System.Text;
using PolicyTracker.Contracts.Tracker;
using PolicyTracker.ServiceDefaults.Messaging;

namespace PolicyTracker.Ingestion.Predictions;

/// <summary>Ingestion's local copy of a Tracker prediction: enough to refuse unknown links and to match statements.</summary>
public sealed class KnownPrediction : IPredictionCopy
{
    public string Id { get; set; } = "";
    public long Version { get; set; }
    public string Title { get; set; } = "";
    public string Claim { get; set; } = "";
    public List<string> Tags { get; set; } = [];
    public List<string> SearchTerms { get; set; } = [];
    /// <summary>The search terms as one PostgreSQL websearch query: the words of a term together, any term.</summary>
    public string SearchQuery { get; set; } = "";

    public static KnownPrediction From(string id, long version, string title, string claim, IEnumerable<string> tags, IEnumerable<string> searchTerms)
    {
        var terms = searchTerms.ToList();
        var tagList = tags.ToList();
        // Single-word tags (minsk, iran, sanctions) widen recall for wording no one put in the search terms.
        return new KnownPrediction
        {
            Id = id, Version = version, Title = title, Claim = claim, Tags = tagList, SearchTerms = terms,
            SearchQuery = QueryFor([.. terms, .. tagList.Where(t => t.All(char.IsLetter))]),
        };
    }

    public static KnownPrediction From(PredictionRegisteredNotice registered) =>
        From(registered.PredictionId, registered.Version, registered.Title, registered.Claim, registered.Tags, registered.SearchTerms);

    public static KnownPrediction From(PredictionCatalogEntry entry) =>
        From(entry.PredictionId, entry.Version, entry.Title, entry.Claim, entry.Tags, entry.SearchTerms);

    /// <summary>
    /// Punctuation is dropped because websearch syntax gives it meaning ("-" negates, quotes make phrases);
    /// the words of one term must all occur, any one term suffices.
    /// </summary>
    public static string QueryFor(IEnumerable<string> terms) =>
        string.Join(" or ", terms
            .Select(t => Clean(t))
            .Where(t => t.Length > 0)
            .Distinct());

    private static string Clean(string term)
    {
        var builder = new StringBuilder();
        foreach (var c in term)
        {
            builder.Append(char.IsLetterOrDigit(c) ? c : ' ');
        }
        return string.Join(' ', builder.ToString().Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Where(w => !w.Equals("or", StringComparison.OrdinalIgnoreCase)));
    }
}
