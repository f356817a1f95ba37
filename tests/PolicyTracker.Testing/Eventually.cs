namespace PolicyTracker.Testing;

/// <summary>Waits on a condition with a deadline, polling briefly: never a bare sleep in a test.</summary>
public static class Eventually
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    public static async Task<T> Get<T>(Func<Task<T>> probe, Func<T, bool> until, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? DefaultTimeout);
        T last = default!;
        Exception? lastError = null;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                last = await probe();
                if (until(last))
                {
                    return last;
                }
                lastError = null;
            }
            catch (Exception ex) when (ex is HttpRequestException or InvalidOperationException or TaskCanceledException)
            {
                lastError = ex;
            }
            await Task.Delay(100);
        }
        throw new TimeoutException($"Timed out after {(timeout ?? DefaultTimeout).TotalSeconds}s waiting for {what}. Last value: {last}", lastError);
    }

    public static Task True(Func<Task<bool>> condition, string what, TimeSpan? timeout = null) =>
        Get(condition, ok => ok, what, timeout);
}
