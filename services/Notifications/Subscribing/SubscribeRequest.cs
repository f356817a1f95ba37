using System.Globalization;
using System.Text.Json.Serialization;
using PolicyTracker.Notifications.Subscriptions;

namespace PolicyTracker.Notifications.Subscribing;

public sealed record ChannelRequest(string? Type, string? Url, string? Address);

public sealed record FilterRequest(
    List<string>? PredictionIds, List<string>? Tags, List<string>? Events, List<double>? ProbabilityCrosses = null, double? MinProbabilityChange = null);

public sealed record SubscribeRequest(ChannelRequest? Channel, FilterRequest? Filter);

/// <summary>The secret is shown once, and only webhooks have one.</summary>
public sealed record SubscribeResponse(Guid Id, [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Secret);

public static class SubscribeValidation
{
    /// <summary>Field errors, or the channel and filter the request asks for. The network check of a webhook URL comes after.</summary>
    public static (Dictionary<string, string[]> Errors, Channel? Channel, SubscriptionFilter? Filter) Validate(SubscribeRequest? request)
    {
        var errors = new Dictionary<string, string[]>();
        if (request is null)
        {
            errors["body"] = ["A subscription needs a channel and may have a filter."];
            return (errors, null, null);
        }
        Channel? channel = null;
        var type = request.Channel?.Type?.Trim().ToLowerInvariant();
        if (request.Channel is null)
        {
            errors["channel"] = ["The channel is required."];
        }
        else if (string.IsNullOrEmpty(type))
        {
            errors["channel.type"] = ["The channel type is required: webhook, email or feed."];
        }
        else if (type == ChannelTypes.Webhook)
        {
            if (!Uri.TryCreate(request.Channel.Url?.Trim(), UriKind.Absolute, out var url)
                || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps)
                || string.IsNullOrEmpty(url.Host) || url.UserInfo.Length > 0 || request.Channel.Url!.Length > 2048)
            {
                errors["channel.url"] = ["A webhook needs an absolute http or https URL without credentials."];
            }
            else
            {
                channel = new Channel(ChannelTypes.Webhook, url.AbsoluteUri, null);
            }
        }
        else if (type == ChannelTypes.Email)
        {
            var address = request.Channel.Address?.Trim();
            if (string.IsNullOrEmpty(address) || address.Length > 320 || !MimeKit.MailboxAddress.TryParse(address, out var mailbox)
                || mailbox.Address != address || !address.Contains('@') || address.EndsWith('@') || address.StartsWith('@'))
            {
                errors["channel.address"] = ["An email channel needs a valid address, e.g. someone@example.org."];
            }
            else
            {
                channel = new Channel(ChannelTypes.Email, null, address);
            }
        }
        else if (type == ChannelTypes.Feed)
        {
            channel = new Channel(ChannelTypes.Feed, null, null);
        }
        else
        {
            errors["channel.type"] = [$"Unknown channel type '{request.Channel.Type}': webhook, email or feed."];
        }

        var predictionIds = Clean(request.Filter?.PredictionIds, "filter.predictionIds", errors);
        // Tags compare case-insensitively: stored lower-case so the database can match them.
        var tags = Clean(request.Filter?.Tags, "filter.tags", errors).Select(t => t.ToLowerInvariant()).Distinct().ToList();
        var events = Clean(request.Filter?.Events, "filter.events", errors);
        var unknown = events.Where(e => !NotificationEventTypes.All.Contains(e)).ToList();
        if (unknown.Count > 0)
        {
            errors["filter.events"] = [$"Unknown event type(s) {string.Join(", ", unknown)}: use {string.Join(", ", NotificationEventTypes.All)}."];
        }
        var thresholds = Thresholds(request.Filter?.ProbabilityCrosses, errors);
        var minChange = request.Filter?.MinProbabilityChange;
        if (minChange is { } change && !(change > 0 && change < 1))
        {
            errors["filter.minProbabilityChange"] = [$"The minimum change must be greater than 0 and less than 1, not {change.ToString(CultureInfo.InvariantCulture)}."];
        }
        if (thresholds.Count == 0 && events.Contains(NotificationEventTypes.ProbabilityCrossed) && !errors.ContainsKey("filter.probabilityCrosses"))
        {
            errors["filter.probabilityCrosses"] = ["probability-crossed needs the thresholds to watch, e.g. \"probabilityCrosses\": [0.5]."];
        }
        if (errors.Count > 0)
        {
            return (errors, null, null);
        }
        // Asking for thresholds or a minimum change is asking for the alerts they govern.
        var chosen = events.Count == 0 ? [.. NotificationEventTypes.Default] : events;
        if (thresholds.Count > 0 && !chosen.Contains(NotificationEventTypes.ProbabilityCrossed))
        {
            chosen.Add(NotificationEventTypes.ProbabilityCrossed);
        }
        if (minChange is not null && !chosen.Contains(NotificationEventTypes.ProbabilityChanged))
        {
            chosen.Add(NotificationEventTypes.ProbabilityChanged);
        }
        var filter = new SubscriptionFilter(predictionIds, tags, chosen, thresholds, minChange);
        return (errors, channel, filter);
    }

    /// <summary>Thresholds strictly inside (0, 1), at most 100, stored sorted and without repeats.</summary>
    private static List<double> Thresholds(List<double>? values, Dictionary<string, string[]> errors)
    {
        if (values is null)
        {
            return [];
        }
        var outside = values.Where(v => !(v > 0 && v < 1)).Select(v => v.ToString(CultureInfo.InvariantCulture)).ToList();
        if (outside.Count > 0)
        {
            errors["filter.probabilityCrosses"] = [$"Thresholds must lie strictly between 0 and 1: {string.Join(", ", outside)} does not."];
            return [];
        }
        if (values.Count > 100)
        {
            errors["filter.probabilityCrosses"] = ["At most 100 thresholds."];
            return [];
        }
        return [.. values.Distinct().Order()];
    }

    private static List<string> Clean(List<string>? values, string field, Dictionary<string, string[]> errors)
    {
        if (values is null)
        {
            return [];
        }
        if (values.Count > 1000 || values.Any(v => string.IsNullOrWhiteSpace(v) || v.Length > 200))
        {
            errors[field] = ["Values must be non-empty strings of at most 200 characters, at most 1000 of them."];
            return [];
        }
        return values.Select(v => v.Trim()).Distinct().ToList();
    }
}
