namespace PolicyTracker.Notifications.Deliveries;

/// <summary>Wakes this instance's worker when new deliveries are committed, so they go out without waiting for the next poll.</summary>
public sealed class DeliveryWakeup
{
    private readonly SemaphoreSlim _signal = new(0, 1);

    public void Signal()
    {
        try
        {
            _signal.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already signalled: one wake-up covers every delivery committed before the worker looks.
        }
    }

    public Task WaitAsync(TimeSpan timeout, CancellationToken cancellationToken) => _signal.WaitAsync(timeout, cancellationToken);
}
