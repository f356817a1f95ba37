using System.Diagnostics;
using JasperFx.Events;
using Marten;

namespace PolicyTracker.ServiceDefaults.Messaging;

/// <summary>
/// Carries the W3C trace context of the request that caused an event across the Marten
/// subscription hop: inside a subscription Activity.Current is the daemon's span, so the
/// request's context is saved as an event header and restored when the event is published.
/// </summary>
public static class TraceContext
{
    public const string Header = "traceparent";
    public static readonly ActivitySource Source = new("PolicyTracker");

    /// <summary>Call before SaveChangesAsync on a session that appends events.</summary>
    public static void CaptureInto(IDocumentSession session)
    {
        if (Activity.Current?.Id is { } id)
        {
            session.SetHeader(Header, id);
        }
    }

    public static string? Of(IEvent @event) =>
        @event.Headers is { } headers && headers.TryGetValue(Header, out var value) ? value?.ToString() : null;

    /// <summary>Starts a producer span whose parent is the request that appended <paramref name="event"/>.</summary>
    public static Activity? StartPublishing(IEvent @event, string name) =>
        Of(@event) is { } parent
            ? Source.StartActivity(name, ActivityKind.Producer, parent)
            : Source.StartActivity(name, ActivityKind.Producer);
}
