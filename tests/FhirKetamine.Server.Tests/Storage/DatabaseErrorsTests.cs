using FhirKetamine.Core.Storage;

using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

using Npgsql;

namespace FhirKetamine.Server.Tests.Storage;

/// <summary>What a retry loop (a $reindex chunk) treats as transient, as each provider really throws it.</summary>
public sealed class DatabaseErrorsTests
{
    [Theory]
    [InlineData("40P01")] // deadlock detected
    [InlineData("40001")] // serialization failure
    public void A_PostgreSQL_lock_loss_wrapped_by_Npgsqls_execution_strategy_is_transient(string sqlState)
    {
        var postgres = new PostgresException("lost", "ERROR", "ERROR", sqlState);
        var wrapped = new InvalidOperationException("An exception has been raised that is likely due to a transient failure.", postgres);

        Assert.True(DatabaseErrors.IsTransient(wrapped));
        Assert.True(DatabaseErrors.IsTransient(new DbUpdateException("save failed", wrapped)));
    }

    [Fact]
    public void A_SQLite_error_is_left_to_its_own_busy_timeout()
    {
        Assert.False(DatabaseErrors.IsTransient(new DbUpdateException("save failed", new SqliteException("database is locked", 5))));
    }

    [Fact]
    public void A_unique_violation_or_an_unrelated_error_is_not_transient()
    {
        Assert.False(DatabaseErrors.IsTransient(new PostgresException("duplicate", "ERROR", "ERROR", "23505")));
        Assert.False(DatabaseErrors.IsTransient(new InvalidOperationException("a bug")));
    }
}
