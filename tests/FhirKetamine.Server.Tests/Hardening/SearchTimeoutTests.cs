using System.Data.Common;
using System.Net;

using FhirKetamine.Core.Storage;

using Hl7.Fhir.Model;

using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;

namespace FhirKetamine.Server.Tests.Hardening;

/// <summary>
/// Fhir:SearchTimeoutSeconds: a search whose database command does not finish in time is cancelled and answered
/// with an OperationOutcome. The database is made slow deterministically: while armed, every query waits until
/// its cancellation token fires (the one the server passes to EF Core), so only the deadline can end it.
/// </summary>
public sealed class SearchTimeoutTests : IAsyncLifetime
{
    private readonly StallingInterceptor stall = new();
    private readonly FhirServerFactory factory = new();
    private HttpClient client = null!;

    [Fact]
    public async Task A_search_that_outlives_the_timeout_is_503_with_a_timeout_outcome()
    {
        stall.Armed = true;

        using var response = await client.GetAsync("Observation?code=http://loinc.org|8867-4");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var issue = (await response.ReadAsync<OperationOutcome>()).Issue[0];
        Assert.Equal(OperationOutcome.IssueType.Timeout, issue.Code);
        Assert.Contains("within 1 s (Fhir:SearchTimeoutSeconds)", issue.Diagnostics, StringComparison.Ordinal);
        Assert.True(stall.Cancelled > 0, "the stalled database command saw its cancellation token fire");
    }

    [Fact]
    public async Task History_and_post_search_are_bounded_too()
    {
        stall.Armed = true;

        using var history = await client.GetAsync("Patient/_history");
        using var posted = await client.PostAsync("Patient/_search", new FormUrlEncodedContent(new Dictionary<string, string> { ["name"] = "rivera" }));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, history.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, posted.StatusCode);
        Assert.Equal(OperationOutcome.IssueType.Timeout, (await posted.ReadAsync<OperationOutcome>()).Issue[0].Code);
    }

    [Fact]
    public async Task A_search_within_the_timeout_answers_normally()
    {
        var patient = await client.CreateAsync(Fhir.Patient("Timely"));

        using var response = await client.GetAsync($"Patient?_id={patient.Id}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(0, stall.Cancelled);
    }

    public Task InitializeAsync()
    {
        factory.Settings["Fhir:SearchTimeoutSeconds"] = "1";
        client = factory.WithWebHostBuilder(b => b.ConfigureTestServices(services =>
            services.ConfigureDbContext<FhirDbContext>(o => o.AddInterceptors(stall)))).CreateClient(new() { BaseAddress = new Uri("http://localhost/fhir/") });
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        stall.Armed = false;
        await factory.DisposeAsync();
    }

    /// <summary>
    /// While armed, a query outside a transaction waits for its cancellation token (at most a minute, so a missing
    /// deadline fails the test instead of hanging it).
    /// </summary>
    private sealed class StallingInterceptor : DbCommandInterceptor
    {
        private int cancelled;

        public volatile bool Armed;

        public int Cancelled => cancelled;

        public override async ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(
            DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
        {
            // Only the searches' own queries: the AuditEvent of the refused request is written afterwards through
            // the group-commit writer (in a transaction) and must not be stalled, or the 503 would wait for it.
            if (Armed && command.Transaction is null && command.CommandText.TrimStart().StartsWith("SELECT", StringComparison.OrdinalIgnoreCase))
            {
                try
                {
                    await Task.Delay(TimeSpan.FromMinutes(1), cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    Interlocked.Increment(ref cancelled);
                    throw;
                }
            }

            return result;
        }
    }
}
