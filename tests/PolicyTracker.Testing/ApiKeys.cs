namespace PolicyTracker.Testing;

/// <summary>Clients that call the services as one of the development principals (see ServiceDefaults' ApiKeys).</summary>
public static class ApiKeys
{
    public const string Header = "X-Api-Key";

    /// <summary>Sends <paramref name="apiKey"/> on every request; null leaves the client anonymous.</summary>
    public static HttpClient WithApiKey(this HttpClient client, string? apiKey)
    {
        if (apiKey is not null)
        {
            client.DefaultRequestHeaders.Add(Header, apiKey);
        }
        return client;
    }
}
