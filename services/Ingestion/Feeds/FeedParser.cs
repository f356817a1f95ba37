using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using System.Xml;
using System.Xml.Linq;
using PolicyTracker.Contracts.Tracker;
using PolicyTracker.Ingestion.Statements;

namespace PolicyTracker.Ingestion.Feeds;

/// <summary>RSS 2.0 and Atom items as statements: the item's link is its source URL, so a re-polled item is a duplicate.</summary>
public static partial class FeedParser
{
    private static readonly XNamespace Atom = "http://www.w3.org/2005/Atom";

    public static (IReadOnlyList<StatementInput> Items, string? Error) Parse(string content, DateTimeOffset now)
    {
        XDocument document;
        try
        {
            using var reader = XmlReader.Create(new StringReader(content), new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null });
            document = XDocument.Load(reader);
        }
        catch (XmlException ex)
        {
            return ([], $"not XML: {ex.Message}");
        }
        var root = document.Root!;
        if (root.Name.LocalName == "rss")
        {
            var channel = root.Element("channel");
            var publisher = Clean(channel?.Element("title")?.Value);
            return ([.. (channel?.Elements("item") ?? []).Select(i => Item(
                Clean(i.Element("title")?.Value), Clean(i.Element("description")?.Value), i.Element("link")?.Value ?? Permalink(i),
                i.Element("pubDate")?.Value, Clean(i.Element("author")?.Value), publisher, now)).OfType<StatementInput>()], null);
        }
        if (root.Name == Atom + "feed")
        {
            var publisher = Clean(root.Element(Atom + "title")?.Value);
            return ([.. root.Elements(Atom + "entry").Select(e => Item(
                Clean(e.Element(Atom + "title")?.Value), Clean(e.Element(Atom + "summary")?.Value ?? e.Element(Atom + "content")?.Value),
                AtomLink(e), e.Element(Atom + "published")?.Value ?? e.Element(Atom + "updated")?.Value,
                Clean(e.Element(Atom + "author")?.Element(Atom + "name")?.Value), publisher, now)).OfType<StatementInput>()], null);
        }
        return ([], $"not an RSS 2.0 or Atom feed (root element <{root.Name.LocalName}>)");
    }

    private static StatementInput? Item(string? title, string? description, string? link, string? published, string? author, string? publisher, DateTimeOffset now)
    {
        var text = string.Join(". ", new[] { title, description }.Where(t => !string.IsNullOrWhiteSpace(t)));
        if (text.Length == 0)
        {
            return null;
        }
        if (text.Length > StatementInputs.MaxTextLength)
        {
            text = text[..StatementInputs.MaxTextLength];
        }
        var url = Uri.TryCreate(link?.Trim(), UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" ? uri.ToString() : null;
        return new StatementInput(text, ParseDate(published) ?? now, author, new SourceReference(url, Shorten(title), Shorten(publisher)), []);
    }

    private static string? Permalink(XElement item) =>
        item.Element("guid") is { } guid && (string?)guid.Attribute("isPermaLink") != "false" ? guid.Value : null;

    private static string? AtomLink(XElement entry) =>
        (entry.Elements(Atom + "link").FirstOrDefault(l => (string?)l.Attribute("rel") is null or "alternate"))?.Attribute("href")?.Value;

    private static DateTimeOffset? ParseDate(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }
        value = value.Trim();
        if (DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed))
        {
            return parsed;
        }
        // RFC 822 zone names that .NET does not read ("EST", "PDT"): drop the zone and read the time as UTC.
        var withoutZone = Regex.Replace(value, @"\s+[A-Z]{2,4}$", "");
        return DateTimeOffset.TryParse(withoutZone, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out parsed)
            ? parsed : null;
    }

    private static string? Clean(string? html)
    {
        if (string.IsNullOrWhiteSpace(html))
        {
            return null;
        }
        var text = WebUtility.HtmlDecode(Tags().Replace(html, " "));
        return Spaces().Replace(text, " ").Trim();
    }

    private static string? Shorten(string? value) => value is { Length: > StatementInputs.MaxShortField } ? value[..StatementInputs.MaxShortField] : value;

    [GeneratedRegex("<[^>]*>")]
    private static partial Regex Tags();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Spaces();
}
