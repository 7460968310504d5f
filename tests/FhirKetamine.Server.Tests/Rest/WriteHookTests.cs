// Firely's model is nullable-annotated throughout; in these tests a missing element is a failed assertion
// (a NullReferenceException names it), not something to guard against.
#nullable disable warnings

using System.Collections.Concurrent;
using System.Net;
using System.Text;
using FhirKetamine.Core.Rest;
using Hl7.Fhir.Model;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace FhirKetamine.Server.Tests.Rest;

/// <summary>
/// The write hook point (Provenance, audits, safety rules and subscriptions hang on it): every kind of stored
/// write runs the hooks inside its transaction, so a hook's failure undoes the write, and a hook's issues reach
/// the client.
/// </summary>
public sealed class WriteHookTests(FhirServerFactory factory) : IClassFixture<FhirServerFactory>
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Every_kind_of_write_runs_the_hooks_once_with_its_method(bool groupCommit)
    {
        var recorder = new Recorder();
        await using var hooked = Hooked(recorder, groupCommit);
        var client = hooked.CreateClient(new() { BaseAddress = new Uri("http://localhost/fhir/") });
        var patient = await client.CreateAsync(Fhir.Patient("Hook"));
        patient.Gender = AdministrativeGender.Female;
        (await client.PutAsync($"Patient/{patient.Id}", Fhir.Json(patient))).EnsureSuccessStatusCode();
        var patch = new HttpRequestMessage(HttpMethod.Patch, $"Patient/{patient.Id}")
        {
            Content = new StringContent("""[{"op":"replace","path":"/gender","value":"male"}]""", Encoding.UTF8, "application/json-patch+json"),
        };
        (await client.SendAsync(patch)).EnsureSuccessStatusCode();
        var transaction = new Bundle { Type = Bundle.BundleType.Transaction };
        transaction.Entry.Add(new Bundle.EntryComponent
        {
            FullUrl = "urn:uuid:7d1c9a52-46a3-4c1c-9f37-1e0b7f0f1a01",
            Resource = Fhir.Patient("InTransaction"),
            Request = new Bundle.RequestComponent { Method = Bundle.HTTPVerb.POST, Url = "Patient" },
        });
        (await client.PostAsync(string.Empty, Fhir.Json(transaction))).EnsureSuccessStatusCode();
        (await client.DeleteAsync($"Patient/{patient.Id}")).EnsureSuccessStatusCode();
        (await client.DeleteAsync($"Patient/{patient.Id}")).EnsureSuccessStatusCode(); // already deleted: stores nothing

        Assert.Equal(
            [$"POST Patient/{patient.Id}/1", $"PUT Patient/{patient.Id}/2", $"PATCH Patient/{patient.Id}/3", "POST Patient", $"DELETE Patient/{patient.Id}/4"],
            recorder.Writes.Select(w => w.StartsWith("POST Patient/", StringComparison.Ordinal) && !w.Contains(patient.Id, StringComparison.Ordinal) ? "POST Patient" : w));
    }

    [Fact]
    public async Task A_failing_hook_undoes_an_update_and_the_old_version_stays()
    {
        await using var hooked = Hooked(new Recorder(), groupCommit: true);
        var client = hooked.CreateClient(new() { BaseAddress = new Uri("http://localhost/fhir/") });
        var patient = await client.CreateAsync(Fhir.Patient("Kept"));
        patient.Name[0].Family = Recorder.Refused;

        var response = await client.PutAsync($"Patient/{patient.Id}", Fhir.Json(patient));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var stored = await (await client.GetAsync($"Patient/{patient.Id}")).ReadAsync<Patient>();
        Assert.Equal("1", stored.Meta.VersionId);
        Assert.Equal("Kept", stored.Name[0].Family);
    }

    /// <summary>
    /// <paramref name="inRuns"/>: the hook lets new resources of one type be stored together (one SaveChanges, then each one's
    /// hooks): readings, as a gateway sends them; otherwise one at a time.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_failing_hook_on_one_entry_fails_a_transaction_whole(bool inRuns)
    {
        await using var hooked = Hooked(new Recorder(inRuns), groupCommit: true);
        var client = hooked.CreateClient(new() { BaseAddress = new Uri("http://localhost/fhir/") });
        var patient = await client.CreateAsync(Fhir.Patient("Readings"));
        var transaction = Readings(patient.Id, "fine", Recorder.Refused, "also-fine");

        var response = await client.PostAsync(string.Empty, Fhir.Json(transaction));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var outcome = await response.ReadAsync<OperationOutcome>();
        Assert.StartsWith("Bundle.entry[1]: ", Assert.Single(outcome.Issue).Diagnostics, StringComparison.Ordinal);
        var found = await (await client.GetAsync($"Observation?patient={patient.Id}&_summary=count")).ReadAsync<Bundle>();
        Assert.Equal(0, found.Total);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Each_new_resource_of_a_transaction_runs_the_hooks_once_in_entry_order(bool inRuns)
    {
        var recorder = new Recorder(inRuns);
        await using var hooked = Hooked(recorder, groupCommit: true);
        var client = hooked.CreateClient(new() { BaseAddress = new Uri("http://localhost/fhir/") });
        var patient = await client.CreateAsync(Fhir.Patient("Readings"));
        recorder.LastReading = $"third-{Guid.NewGuid():N}";
        var transaction = Readings(patient.Id, "first", Recorder.Warned, recorder.LastReading);

        var response = await client.PostAsync(string.Empty, Fhir.Json(transaction));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var result = await response.ReadAsync<Bundle>();
        var ids = result.Entry.Select(e => e.Response.Location.Split('/')[^3]).ToList();
        Assert.Equal(ids.Select(id => $"POST Observation/{id}/1"), recorder.Writes.Where(w => w.StartsWith("POST Observation/", StringComparison.Ordinal)));
        Assert.Equal(inRuns ? 2 : 0, recorder.Runs); // stored together (or not): the first two readings' hooks found the third stored
        static bool Recorded(Bundle.EntryComponent entry) =>
            entry.Response.Outcome is OperationOutcome outcome && outcome.Issue.Any(i => i.Diagnostics == "Recorded by the test hook.");
        Assert.Equal([false, true, false], result.Entry.Select(Recorded)); // the hook's issue reaches its own entry alone
    }

    /// <summary>A transaction of heart rates of <paramref name="patientId"/>, one per reading id (the Recorder refuses or warns by it).</summary>
    private static Bundle Readings(string patientId, params string[] readings)
    {
        var transaction = new Bundle { Type = Bundle.BundleType.Transaction };
        for (var i = 0; i < readings.Length; i++)
        {
            transaction.Entry.Add(new Bundle.EntryComponent
            {
                Resource = Fhir.HeartRate(patientId, $"2026-03-01T09:0{i}:00Z", 70 + i, readings[i]),
                Request = new Bundle.RequestComponent { Method = Bundle.HTTPVerb.POST, Url = "Observation" },
            });
        }

        return transaction;
    }

    [Fact]
    public async Task A_hooks_issue_reaches_the_client_with_the_validators()
    {
        await using var hooked = Hooked(new Recorder(), groupCommit: true);
        var client = hooked.CreateClient(new() { BaseAddress = new Uri("http://localhost/fhir/") });
        var request = new HttpRequestMessage(HttpMethod.Post, "Patient") { Content = Fhir.Json(Fhir.Patient("Warned")) };
        request.Headers.Add("Prefer", "return=OperationOutcome");

        var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var outcome = await response.ReadAsync<OperationOutcome>();
        Assert.Contains(outcome.Issue, i => i.Severity == OperationOutcome.IssueSeverity.Warning && i.Diagnostics == "Recorded by the test hook.");
    }

    private WebApplicationFactory<Program> Hooked(Recorder recorder, bool groupCommit) => factory.WithWebHostBuilder(b =>
    {
        b.UseSetting("Storage:GroupCommit:Enabled", groupCommit ? "true" : "false");
        b.ConfigureServices(s => s.AddSingleton<IWriteHook>(recorder));
    });

    /// <summary>Records each write it sees; refuses a Patient named <see cref="Refused"/>; warns on one named "Warned".</summary>
    private sealed class Recorder(bool inRuns = false) : IWriteHook
    {
        public const string Warned = "Warned";

        private int _runs;

        /// <summary>The identifier of a transaction's last reading: an earlier reading whose hooks find it stored was stored in a run with it.</summary>
        public string? LastReading { get; set; }

        /// <summary>How many readings' hooks found <see cref="LastReading"/> stored already.</summary>
        public int Runs => _runs;

        public ValueTask<bool> ReadsOthersOfItsTypeAsync(FhirRequest request, Resource resource, CancellationToken ct) => ValueTask.FromResult(!inRuns);

        public const string Refused = "RefusedByHook";

        public ConcurrentQueue<string> Writes { get; } = new();

        public async Task AfterWriteAsync(WriteEvent write, CancellationToken ct)
        {
            var patient = write.Written.Resource as Patient;
            var reading = (write.Written.Resource as Observation)?.Identifier.FirstOrDefault()?.Value;
            if (patient?.Name.FirstOrDefault()?.Family == Refused || reading == Refused)
            {
                throw FhirException.Unprocessable("The test hook refuses this write.");
            }

            if (patient?.Name.FirstOrDefault()?.Family == Warned || reading == Warned)
            {
                write.Issues.Add(new OperationOutcome.IssueComponent
                {
                    Severity = OperationOutcome.IssueSeverity.Warning,
                    Code = OperationOutcome.IssueType.Informational,
                    Diagnostics = "Recorded by the test hook.",
                });
            }

            if (reading is not null && LastReading is { } last && reading != last
                && await write.Rest.Database.TokenIndex.AnyAsync(t => t.ResourceType == "Observation" && t.ParamName == "identifier" && t.Code == last, ct))
            {
                Interlocked.Increment(ref _runs);
            }

            Assert.NotNull(write.Request.Access);
            Writes.Enqueue($"{write.Method} {write.Written.ResourceType}/{write.Written.Id}/{write.Written.VersionId}");
        }
    }
}
