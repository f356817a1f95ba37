namespace PolicyTracker.Importer;

public static class Api
{
    public static HttpClient Create(string gateway, string apiKey)
    {
        var client = new HttpClient { BaseAddress = new Uri(gateway.TrimEnd('/') + "/"), Timeout = TimeSpan.FromMinutes(5) };
        client.DefaultRequestHeaders.Add("X-Api-Key", apiKey);
        return client;
    }
}
