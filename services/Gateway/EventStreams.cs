using Yarp.ReverseProxy.Transforms;

namespace PolicyTracker.Gateway;

public static class EventStreams
{
    /// <summary>
    /// A server-sent event stream's headers go to the client as soon as the service sends them,
    /// not with the first event: Kestrel holds the headers until the first body write, and a quiet
    /// stream may not write for a long time (clients then think the connection never opened).
    /// </summary>
    public static IReverseProxyBuilder FlushEventStreamHeaders(this IReverseProxyBuilder proxy) =>
        proxy.AddTransforms(transforms => transforms.AddResponseTransform(async context =>
        {
            if (context.ProxyResponse?.Content.Headers.ContentType?.MediaType == "text/event-stream")
            {
                await context.HttpContext.Response.StartAsync(context.HttpContext.RequestAborted);
            }
        }));
}
