// Firely's model is nullable-annotated throughout; in these tests a missing element is a failed assertion
// (a NullReferenceException names it), not something to guard against.
#nullable disable warnings

using System.Data.Common;
using System.Net;
using FhirKetamine.Core.Storage;
using Hl7.Fhir.Model;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;

namespace FhirKetamine.Server.Tests.Errors;

/// <summary>
/// Once a request's writes are committed, no error may say "nothing was stored, retry": a gateway that retries a
/// stored transaction duplicates it. The database is made to refuse every transaction that starts after the first
/// commit (the request's own), which is where the request-level AuditEvent of a Bundle and later batch entries fail.
/// </summary>
public abstract class ErrorsAfterCommitTests(bool groupCommit) : IAsyncLifetime
{
    private readonly FhirServerFactory factory = new();
    protected RefuseTransactionsAfterCommit Refuse { get; } = new();
    protected HttpClient Client { get; private set; } = null!;

    [Fact]
    public async Task A_committed_transaction_whose_audit_event_cannot_be_stored_is_answered_with_its_result()
    {
        var bundle = new Bundle { Type = Bundle.BundleType.Transaction };
        foreach (var family in new[] { "Committed-A", "Committed-B" })
        {
            bundle.Entry.Add(new Bundle.EntryComponent
            {
                FullUrl = $"urn:uuid:{Guid.NewGuid()}",
                Resource = Fhir.Patient(family),
                Request = new Bundle.RequestComponent { Method = Bundle.HTTPVerb.POST, Url = "Patient" },
            });
        }

        Refuse.Arm(() => new SqliteException("database is locked", 5));
        var response = await Client.PostAsync(string.Empty, Fhir.Json(bundle));
        Refuse.Disarm();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode); // was 503 "could not be audited … Retry": a retry stored it twice
        var result = await response.ReadAsync<Bundle>();
        Assert.Equal(Bundle.BundleType.TransactionResponse, result.Type);
        foreach (var entry in result.Entry)
        {
            Assert.StartsWith("201", entry.Response.Status);
            Assert.Equal(HttpStatusCode.OK, (await Client.GetAsync(entry.Response.Location)).StatusCode);
        }

        Assert.True(Refuse.Refused > 0, "the request-level AuditEvent was not refused: the test proved nothing");
    }

    [Fact]
    public async Task A_batch_entry_the_database_refuses_is_that_entry_s_503_and_the_stored_entries_keep_their_201()
    {
        var keep = await Client.CreateAsync(Fhir.Patient("Kept"));
        var batch = new Bundle { Type = Bundle.BundleType.Batch };
        batch.Entry.Add(new Bundle.EntryComponent
        {
            Resource = Fhir.Patient("Stored-First"),
            Request = new Bundle.RequestComponent { Method = Bundle.HTTPVerb.POST, Url = "Patient" },
        });
        batch.Entry.Add(new Bundle.EntryComponent { Request = new Bundle.RequestComponent { Method = Bundle.HTTPVerb.DELETE, Url = $"Patient/{keep.Id}" } });

        Refuse.Arm(() => new SqliteException("database is locked", 5));
        var response = await Client.PostAsync(string.Empty, Fhir.Json(batch));
        Refuse.Disarm();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var result = await response.ReadAsync<Bundle>();
        Assert.StartsWith("201", result.Entry[0].Response.Status);
        Assert.Equal(HttpStatusCode.OK, (await Client.GetAsync(result.Entry[0].Response.Location)).StatusCode);

        Assert.StartsWith("503", result.Entry[1].Response.Status);
        var outcome = Assert.IsType<OperationOutcome>(result.Entry[1].Response.Outcome);
        Assert.Contains("nothing of this entry was stored", outcome.Issue[0].Diagnostics, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await Client.GetAsync($"Patient/{keep.Id}")).StatusCode);
    }

    public Task InitializeAsync()
    {
        factory.Settings["Storage:GroupCommit:Enabled"] = groupCommit ? "true" : "false";
        var configured = factory.WithWebHostBuilder(b => b.ConfigureTestServices(services =>
            services.ConfigureDbContext<FhirDbContext>(o => o.AddInterceptors(Refuse))));
        Client = configured.CreateClient(new() { BaseAddress = new Uri("http://localhost/fhir/"), AllowAutoRedirect = false });
        Client.DefaultRequestHeaders.Accept.Add(new System.Net.Http.Headers.MediaTypeWithQualityHeaderValue("application/fhir+json"));
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        Refuse.Disarm();
        await factory.DisposeAsync();
    }

    /// <summary>While armed: the first commit passes, every transaction started after it fails with the armed error.</summary>
    protected sealed class RefuseTransactionsAfterCommit : DbTransactionInterceptor
    {
        private Func<Exception> error;
        private volatile bool committed;
        private int refused;

        public int Refused => refused;

        public void Arm(Func<Exception> make)
        {
            committed = false;
            Volatile.Write(ref error, make);
        }

        public void Disarm() => Volatile.Write(ref error, null);

        public override ValueTask<InterceptionResult<DbTransaction>> TransactionStartingAsync(
            DbConnection connection, TransactionStartingEventData eventData, InterceptionResult<DbTransaction> result, CancellationToken cancellationToken = default)
        {
            if (committed && Volatile.Read(ref error) is { } make)
            {
                Interlocked.Increment(ref refused);
                throw make();
            }

            return ValueTask.FromResult(result);
        }

        public override Task TransactionCommittedAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
        {
            if (Volatile.Read(ref error) is not null)
            {
                committed = true;
            }

            return Task.CompletedTask;
        }
    }
}

/// <summary>Writes and audit events through the group-commit writer (the default).</summary>
public sealed class ErrorsAfterGroupCommitTests() : ErrorsAfterCommitTests(groupCommit: true);

/// <summary>
/// Every write and audit event in its own transaction. Only here can a failure escape to the exception handler: the
/// group-commit writer answers any failure of the audit's group with its own 503, which the audit already handles.
/// </summary>
public sealed class ErrorsAfterOwnTransactionCommitTests() : ErrorsAfterCommitTests(groupCommit: false)
{
    [Fact]
    public async Task An_unexpected_failure_after_the_commit_is_a_500_that_says_the_writes_are_stored()
    {
        var bundle = new Bundle { Type = Bundle.BundleType.Transaction };
        bundle.Entry.Add(new Bundle.EntryComponent
        {
            FullUrl = $"urn:uuid:{Guid.NewGuid()}",
            Resource = Fhir.Patient("Committed-Then-Failed"),
            Request = new Bundle.RequestComponent { Method = Bundle.HTTPVerb.POST, Url = "Patient" },
        });

        // Not a database error the audit expects: it escapes to the exception handler.
        Refuse.Arm(() => new IOException("the disk went away"));
        var response = await Client.PostAsync(string.Empty, Fhir.Json(bundle));
        Refuse.Disarm();

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.False(response.Headers.Contains("Retry-After"));
        var outcome = await response.ReadAsync<OperationOutcome>();
        Assert.Contains("were committed (stored)", outcome.Issue[0].Diagnostics, StringComparison.Ordinal);

        var stored = await Client.GetAsync("Patient?family=Committed-Then-Failed");
        Assert.Single((await stored.ReadAsync<Bundle>()).Entry);
    }
}
