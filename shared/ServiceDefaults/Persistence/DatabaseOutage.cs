using System.Net.Sockets;
using Npgsql;

namespace PolicyTracker.ServiceDefaults.Persistence;

/// <summary>Which failures mean "PostgreSQL is unavailable" rather than "this message is bad".</summary>
public static class DatabaseOutage
{
    public static bool IsOutage(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                // 08: connection exceptions; 57P01-57P03: shut down, crashed, starting up; 53: out of
                // connections or resources; 55000 with this text: the database refuses connections.
                case PostgresException pg:
                    return pg.SqlState.StartsWith("08", StringComparison.Ordinal) || pg.SqlState.StartsWith("57P", StringComparison.Ordinal)
                        || pg.SqlState.StartsWith("53", StringComparison.Ordinal)
                        || (pg.SqlState == PostgresErrorCodes.ObjectNotInPrerequisiteState && pg.MessageText.Contains("not currently accepting connections", StringComparison.Ordinal));
                // No server answer at all: refused, reset, timed out while connecting.
                case NpgsqlException npgsql when npgsql.InnerException is SocketException or IOException or TimeoutException || npgsql.IsTransient:
                    return true;
                case SocketException:
                    return true;
            }
        }
        return false;
    }
}
