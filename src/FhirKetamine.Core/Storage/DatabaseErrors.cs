using System.Data.Common;

namespace FhirKetamine.Core.Storage;

/// <summary>Which database errors are worth a retry.</summary>
public static class DatabaseErrors
{
    /// <summary>
    /// An error its provider marks transient (a PostgreSQL deadlock or serialisation failure) anywhere in the
    /// exception chain: Npgsql's execution strategy wraps these in an <see cref="InvalidOperationException"/>
    /// ("likely due to a transient failure"), EF Core in a <c>DbUpdateException</c>, so the type thrown says nothing.
    /// SQLite's busy and locked errors are not marked transient by Microsoft.Data.Sqlite, and come only after its
    /// own retries for the whole busy timeout: not worth another try here (the HTTP layer still answers them 503).
    /// </summary>
    public static bool IsTransient(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is DbException { IsTransient: true })
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// A transient error, or SQLite's busy (5) or locked (6) after its busy timeout: the database refused the work, so
    /// the transaction it ran in rolled back, and the client may retry.
    /// </summary>
    public static bool IsBusy(Exception exception)
    {
        if (IsTransient(exception))
        {
            return true;
        }

        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is Microsoft.Data.Sqlite.SqliteException { SqliteErrorCode: 5 or 6 })
            {
                return true;
            }
        }

        return false;
    }
}
