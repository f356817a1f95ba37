using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using Microsoft.Extensions.Options;
using Polly.CircuitBreaker;
using Polly.Timeout;
using PolicyTracker.Notifications.Deliveries;
using PolicyTracker.Notifications.Subscriptions;
using PolicyTracker.ServiceDefaults.Messaging;
using PolicyTracker.ServiceDefaults.Networking;

namespace PolicyTracker.Notifications.DeliveringWebhooks;

/// <summary>
/// One signed POST per attempt, through the "webhooks" client (attempt timeout and a circuit
/// breaker per endpoint). Sends to one endpoint are bounded so a slow receiver cannot take every slot.
/// </summary>
public sealed class WebhookSender(IHttpClientFactory clients, WebhookSecrets secrets, IOptions<WebhookOptions> options, TimeProvider time)
{
    public const string ClientName = "webhooks";
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _perEndpoint = new();

    public async Task<AttemptResult> SendAsync(Delivery delivery, Subscription subscription, CancellationToken cancellationToken)
    {
        var url = new Uri(delivery.Target);
        var gate = _perEndpoint.GetOrAdd(url.Authority, _ => new SemaphoreSlim(options.Value.MaxParallelSendsPerEndpoint));
        await gate.WaitAsync(cancellationToken);
        try
        {
            // Registration checked the address too, but DNS can change since; the connect callback checks the address actually dialled.
            if (await NetworkGuard.CheckAsync(url, options.Value.AllowPrivateNetworks, cancellationToken) is { } refusal)
            {
                return new AttemptResult(null, null, refusal);
            }
            var now = time.GetUtcNow();
            var timestamp = now.ToUnixTimeSeconds();
            var signing = subscription.Secrets.Where(s => s.SignsAt(now)).OrderByDescending(s => s.CreatedAt).Select(s => secrets.Decrypt(s.Cipher));
            using var request = new HttpRequestMessage(HttpMethod.Post, url)
            {
                Content = new StringContent(delivery.Body, Encoding.UTF8, "application/json"),
            };
            request.Headers.Add("webhook-id", delivery.WebhookId);
            request.Headers.Add("webhook-timestamp", timestamp.ToString());
            request.Headers.Add("webhook-signature", WebhookSignature.Header(delivery.WebhookId, timestamp, delivery.Body, signing));

            // The webhook request continues the trace that began with the analyst's request.
            using var activity = delivery.TraceParent is { } parent
                ? TraceContext.Source.StartActivity("deliver webhook", ActivityKind.Client, parent)
                : TraceContext.Source.StartActivity("deliver webhook", ActivityKind.Client);
            activity?.SetTag("webhook.id", delivery.WebhookId);
            if (Activity.Current is null && delivery.TraceParent is { } traceParent)
            {
                request.Headers.TryAddWithoutValidation("traceparent", traceParent);
            }

            using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            attempt.CancelAfter(options.Value.AttemptTimeout + TimeSpan.FromSeconds(2));
            try
            {
                using var response = await clients.CreateClient(ClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, attempt.Token);
                var retryAfter = response.Headers.RetryAfter switch
                {
                    { Delta: { } delta } => delta,
                    { Date: { } date } => date - now,
                    _ => (TimeSpan?)null,
                };
                return new AttemptResult((int)response.StatusCode, retryAfter, null);
            }
            catch (TimeoutRejectedException)
            {
                return new AttemptResult(null, null, $"No answer within {options.Value.AttemptTimeout.TotalSeconds:0.#} s.");
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return new AttemptResult(null, null, $"No answer within {options.Value.AttemptTimeout.TotalSeconds:0.#} s.");
            }
            catch (BrokenCircuitException)
            {
                return new AttemptResult(null, null, "The endpoint's circuit is open after repeated failures.");
            }
            catch (HttpRequestException ex)
            {
                return new AttemptResult(null, null, ex.Message);
            }
        }
        finally
        {
            gate.Release();
        }
    }
}
