using System.Collections.Concurrent;
using System.Data.Common;
using System.Text;

using FhirKetamine.Core.Search.Index;

using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;

namespace FhirKetamine.Core.Storage;

/// <summary>
/// Inserts search-index rows with multi-row <c>INSERT … VALUES (…), (…)</c> statements on the context's connection and
/// transaction, instead of one change-tracked entity each. A vital sign has ~35 index rows (its own, its Provenance's and
/// its AuditEvent's); through EF Core's change tracker and command batching each cost ~100 µs of the one group-commit
/// writer thread, which bounded batch ingest at ~8,000 rows/s (bench/README.md, "Gateway ingest at steady state").
/// <para>
/// Table, columns and parameters come from the EF model (<see cref="IEntityType"/>, each column's
/// <see cref="RelationalTypeMapping"/> makes its parameter, value converters included), so a row is stored exactly as
/// EF Core would store it, on SQLite and PostgreSQL alike. The generated key (<see cref="IndexRow.Id"/>) is not read
/// back: nothing uses it. EF Core has no bulk insert of its own, and the libraries that add one are either commercial
/// (EFCore.BulkExtensions) or a second ORM (linq2db); this is the ~150 lines they would replace.
/// </para>
/// </summary>
internal static class IndexRowInserter
{
    /// <summary>
    /// Rows per statement. PostgreSQL (Npgsql) binds parameters by position. SQLite finds each named parameter by a linear
    /// scan of the statement's parameter names (<c>sqlite3_bind_parameter_index</c>, what Microsoft.Data.Sqlite calls per
    /// parameter), so binding costs the square of the parameters per statement: 100 rows of 13 columns spent 7 % of the
    /// server's CPU in <c>strncmp</c> during batch ingest; 10 rows keep that negligible, and the prepared statement is
    /// reused from one group of rows to the next.
    /// </summary>
    private const int MaxRowsPerStatement = 100;

    private const int SqliteRowsPerStatement = 10;

    private static readonly ConcurrentDictionary<IEntityType, Table> Tables = new();

    /// <summary>Inserts <paramref name="rows"/> (their <see cref="IndexRow.ResourceKey"/> set) in the context's open transaction.</summary>
    public static async Task InsertAsync(DbContext db, IReadOnlyList<IndexRow> rows, CancellationToken ct)
    {
        if (rows.Count == 0)
        {
            return;
        }

        var connection = db.Database.GetDbConnection();
        var transaction = db.Database.CurrentTransaction?.GetDbTransaction()
            ?? throw new InvalidOperationException("Index rows are inserted inside the write's transaction.");
        var perStatement = db.Database.ProviderName == "Microsoft.EntityFrameworkCore.Sqlite" ? SqliteRowsPerStatement : MaxRowsPerStatement;
        var sql = db.GetService<ISqlGenerationHelper>();
        foreach (var group in rows.GroupBy(row => row.GetType()))
        {
            var entityType = db.Model.FindEntityType(group.Key)
                ?? throw new InvalidOperationException($"{group.Key.Name} is not an entity of the model.");
            var table = Tables.GetOrAdd(entityType, static (type, sql) => new Table(type, sql), sql);
            var ofType = group.ToList();
            DbCommand? command = null;
            try
            {
                for (var start = 0; start < ofType.Count; start += perStatement)
                {
                    var count = Math.Min(perStatement, ofType.Count - start);
                    var text = table.InsertSql(count);
                    if (command?.CommandText != text)
                    {
                        if (command is not null)
                        {
                            await command.DisposeAsync();
                        }

                        command = connection.CreateCommand();
                        command.Transaction = transaction;
                        command.CommandText = text;
                    }

                    command.Parameters.Clear();
                    for (var i = 0; i < count; i++)
                    {
                        table.AddParameters(command, ofType[start + i], i);
                    }

                    await command.ExecuteNonQueryAsync(ct);
                }
            }
            finally
            {
                if (command is not null)
                {
                    await command.DisposeAsync();
                }
            }
        }
    }

    /// <summary>One index table: its insert statements by row count, and its columns' type mappings.</summary>
    private sealed class Table
    {
        private readonly string _prefix;
        private readonly IProperty[] _columns;
        private readonly IClrPropertyGetter[] _getters;
        private readonly RelationalTypeMapping[] _mappings;
        private readonly ISqlGenerationHelper _sql;
        private readonly ConcurrentDictionary<int, string> _statements = new();
        private readonly string[,] _names;
        private readonly string[,] _parameters;

        public Table(IEntityType type, ISqlGenerationHelper sql)
        {
            _sql = sql;
            var table = StoreObjectIdentifier.Table(type.GetTableName()!, type.GetSchema());
            // Every stored column but the generated key.
            _columns = type.GetProperties().Where(p => p.ValueGenerated == ValueGenerated.Never || !p.IsPrimaryKey()).ToArray();
            _getters = _columns.Select(p => p.GetGetter()).ToArray();
            _mappings = _columns.Select(p => p.GetRelationalTypeMapping()).ToArray();
            _prefix = $"INSERT INTO {sql.DelimitIdentifier(table.Name, table.Schema)} ("
                + string.Join(", ", _columns.Select(p => sql.DelimitIdentifier(p.GetColumnName(table)!))) + ") VALUES ";
            _names = new string[MaxRowsPerStatement, _columns.Length];
            _parameters = new string[MaxRowsPerStatement, _columns.Length];
            for (var r = 0; r < MaxRowsPerStatement; r++)
            {
                for (var c = 0; c < _columns.Length; c++)
                {
                    _names[r, c] = $"r{r}c{c}";
                    _parameters[r, c] = sql.GenerateParameterName(_names[r, c]);
                }
            }
        }

        public string InsertSql(int rows) => _statements.GetOrAdd(rows, n =>
        {
            var text = new StringBuilder(_prefix);
            for (var r = 0; r < n; r++)
            {
                text.Append(r == 0 ? "(" : ", (");
                for (var c = 0; c < _columns.Length; c++)
                {
                    text.Append(c == 0 ? "" : ", ").Append(_sql.GenerateParameterNamePlaceholder(_names[r, c]));
                }

                text.Append(')');
            }

            return text.ToString();
        });

        public void AddParameters(DbCommand command, IndexRow row, int r)
        {
            for (var c = 0; c < _columns.Length; c++)
            {
                var value = _getters[c].GetClrValue(row);
                command.Parameters.Add(_mappings[c].CreateParameter(command, _parameters[r, c], value, _columns[c].IsNullable));
            }
        }
    }
}
