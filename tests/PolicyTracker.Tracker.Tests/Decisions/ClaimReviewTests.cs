using System.Text.Json.Nodes;
using PolicyTracker.Contracts.Tracker;
using PolicyTracker.Tracker.Predictions;
using PolicyTracker.Tracker.ReviewingClaim;

namespace PolicyTracker.Tracker.Tests.Decisions;

/// <summary>
/// Google's ClaimReview guidelines (developers.google.com/search/docs/appearance/structured-data/factcheck):
/// required claimReviewed, reviewRating (with alternateName) and url; recommended author, datePublished,
/// itemReviewed (a Claim with author, datePublished and appearance) and the rating's bounds.
/// </summary>
public class ClaimReviewTests
{
    private static readonly DateTimeOffset ResolvedAt = new(2021, 1, 20, 0, 0, 0, TimeSpan.Zero);

    private static Prediction Resolved(Outcome outcome) =>
        TestPredictions.Given(0.75).Apply(new PredictionResolved("iran-deal", outcome, "Russia defended the deal.", 0.9, "analyst", ResolvedAt));

    [Theory]
    [InlineData(Outcome.Confirmed, "confirmed", 2)]
    [InlineData(Outcome.Refuted, "refuted", 1)]
    public void A_resolved_prediction_has_every_property_Google_requires_and_recommends(Outcome outcome, string alternateName, int ratingValue)
    {
        var review = ClaimReview.Of(Resolved(outcome), "https://tracker.example/predictions/iran-deal");

        review["@context"]!.GetValue<string>().ShouldBe("https://schema.org");
        review["@type"]!.GetValue<string>().ShouldBe("ClaimReview");
        // Required.
        review["claimReviewed"]!.GetValue<string>().ShouldBe("Russia keeps the JCPOA alive.");
        Uri.IsWellFormedUriString(review["url"]!.GetValue<string>(), UriKind.Absolute).ShouldBeTrue();
        var rating = review["reviewRating"]!.AsObject();
        rating["@type"]!.GetValue<string>().ShouldBe("Rating");
        rating["alternateName"]!.GetValue<string>().ShouldBe(alternateName);
        // Recommended: the rating on a documented scale.
        rating["ratingValue"]!.GetValue<int>().ShouldBe(ratingValue);
        rating["worstRating"]!.GetValue<int>().ShouldBe(1);
        rating["bestRating"]!.GetValue<int>().ShouldBe(2);
        rating["name"]!.GetValue<string>().ShouldNotBeNullOrWhiteSpace();
        review["author"]!["name"]!.GetValue<string>().ShouldBe("PolicyTracker");
        review["datePublished"]!.GetValue<string>().ShouldBe("2021-01-20T00:00:00Z");
        review["reviewBody"]!.GetValue<string>().ShouldBe("Russia defended the deal.");
        var claim = review["itemReviewed"]!.AsObject();
        claim["@type"]!.GetValue<string>().ShouldBe("Claim");
        claim["author"]!["name"]!.GetValue<string>().ShouldBe("Jeffrey Mankoff");
        claim["datePublished"]!.GetValue<string>().ShouldBe("2017-01-04T00:00:00Z");
        claim["appearance"]!["name"]!.GetValue<string>().ShouldBe("Rapprochement on Russia's Terms");
        // Valid JSON-LD text, as the page embeds it.
        JsonNode.Parse(review.ToJsonString()).ShouldNotBeNull();
    }

    [Fact]
    public void A_void_prediction_names_its_outcome_without_a_rating_value()
    {
        var rating = ClaimReview.Of(Resolved(Outcome.Void), "https://tracker.example/predictions/iran-deal")["reviewRating"]!.AsObject();
        rating["alternateName"]!.GetValue<string>().ShouldBe("void");
        rating.ContainsKey("ratingValue").ShouldBeFalse();
    }

    [Fact]
    public void An_open_prediction_has_no_review() =>
        Should.Throw<ArgumentException>(() => ClaimReview.Of(TestPredictions.Given(0.75), "https://tracker.example/predictions/iran-deal"));
}
