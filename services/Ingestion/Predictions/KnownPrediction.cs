using System.Text;
using PolicyTracker.Contracts.Tracker;
using PolicyTracker.Ingestion.Matching;
using PolicyTracker.ServiceDefaults.Messaging;

namespace PolicyTracker.Ingestion.Predictions;

/// <summary>Ingestion's local copy of a Tracker prediction: enough to refuse unknown links and to match statements.</summary>
public sealed class KnownPrediction : IPredictionCopy
{
    public string Id { get; set; } = "";
    public long Version { get; set; }
    public string Title { get; set; } = "";
    public string Claim { get; set; } = "";
    public string ResolutionCriteria { get; set; } = "";
    public List<string> Tags { get; set; } = [];
    public List<string> SearchTerms { get; set; } = [];
    /// <summary>The search terms and one-word tags, each matched as a phrase when counting keyword hits.</summary>
    public List<string> MatchTerms { get; set; } = [];
    /// <summary>The embedding profile: claim, title and topical phrases averaged (see <see cref="Describe"/>).</summary>
    public float[] Vector { get; set; } = [];
    /// <summary>
    /// One vector per text of the prediction (claim, title, criteria, each search term): a statement about one
    /// facet (a truce, a bridge, a treaty) is close to that facet's text even when the average is diluted.
    /// </summary>
    public List<float[]> Prototypes { get; set; } = [];
    /// <summary>The search terms as one PostgreSQL websearch query: the words of a term together, any term.</summary>
    public string SearchQuery { get; set; } = "";

    public static KnownPrediction From(string id, long version, string title, string claim, IEnumerable<string> tags, IEnumerable<string> searchTerms, string resolutionCriteria = "")
    {
        var terms = searchTerms.ToList();
        var tagList = tags.ToList();
        // Single-word tags (minsk, iran, sanctions) widen recall for wording no one put in the search terms.
        List<string> matchTerms = [.. terms.Concat(tagList.Where(t => t.All(char.IsLetter))).Select(Clean).Where(t => t.Length > 0).Distinct(StringComparer.OrdinalIgnoreCase)];
        return new KnownPrediction
        {
            Id = id, Version = version, Title = title, Claim = claim, ResolutionCriteria = resolutionCriteria,
            Tags = tagList, SearchTerms = terms, MatchTerms = matchTerms,
            SearchQuery = QueryFor(matchTerms),
        };
    }

    public static KnownPrediction From(PredictionRegisteredNotice registered) =>
        From(registered.PredictionId, registered.Version, registered.Title, registered.Claim, registered.Tags, registered.SearchTerms, registered.ResolutionCriteria);

    /// <summary>
    /// The texts whose embeddings are averaged into the profile: the claim alone misses the topical words an
    /// analyst thinks of (CAATSA, Kerch Strait), the phrases alone miss what the prediction is about.
    /// </summary>
    public IReadOnlyList<string> Describe() =>
        [Claim, Title, .. SearchTerms.Where(t => !string.IsNullOrWhiteSpace(t))];

    /// <summary>Computes the embedding profile from the current wording; call after every change of wording.</summary>
    public KnownPrediction WithProfile(SentenceEmbeddings embeddings)
    {
        var texts = Describe().Where(t => !string.IsNullOrWhiteSpace(t)).ToList();
        var facets = string.IsNullOrWhiteSpace(ResolutionCriteria) ? texts : [.. texts, ResolutionCriteria];
        var vectors = facets.Count == 0 ? [] : embeddings.Encode(facets);
        Vector = texts.Count == 0 ? [] : SentenceEmbeddings.Mean(vectors.Take(texts.Count));
        Prototypes = [.. vectors];
        return this;
    }

    public static KnownPrediction From(PredictionCatalogEntry entry) =>
        From(entry.PredictionId, entry.Version, entry.Title, entry.Claim, entry.Tags, entry.SearchTerms, entry.ResolutionCriteria);

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
