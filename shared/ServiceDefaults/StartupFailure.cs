namespace PolicyTracker.ServiceDefaults;

/// <summary>
/// A configuration error a person must fix: one clear line on stderr and a non-zero exit,
/// rather than a stack trace or a host that retries forever.
/// </summary>
public static class StartupFailure
{
    public const int ExitCode = 78; // EX_CONFIG

    public static void Exit(string message)
    {
        Console.Error.WriteLine($"Startup failed: {message}");
        Environment.Exit(ExitCode);
    }
}
