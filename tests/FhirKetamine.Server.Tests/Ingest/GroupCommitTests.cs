// Firely's model is nullable-annotated throughout; in these tests a missing element is a failed assertion
// (a NullReferenceException names it), not something to guard against.
#nullable disable warnings

using System.Net;
using FhirKetamine.Core.Rest;
using FhirKetamine.Core.Storage;
using Hl7.Fhir.Model;
using Microsoft.Extensions.DependencyInjection;

namespace FhirKetamine.Server.Tests.Ingest;

/// <summary>
/// Group commit and idempotent ingest (issue 9): racing copies of one reading store it once, a write
/// that fails inside a group fails alone, and a batch's writes commit as one group.
/// </summary>
public sealed class GroupCommitTests(FhirServerFactory factory) : IClassFixture<FhirServerFactory>
{
    private const string ReadingSystem = "urn:gateway:chair-3";

    private readonly HttpClient _client = factory.CreateFhirClient();

    [Fact]
    public async Task Racing_copies_of_one_reading_store_it_once_and_all_answer_with_it()
    {
        var patient = await _client.CreateAsync(Fhir.Patient());
        var reading = $"r-{Guid.NewGuid():N}";
        var go = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var posts = Enumerable.Range(0, 12).Select(async _ =>
        {
            var own = factory.CreateFhirClient();
            var request = Post(Fhir.HeartRate(patient.Id, "2026-03-01T10:00:00Z", 72, reading), $"identifier={ReadingSystem}|{reading}");
            await go.Task;
            var response = await own.SendAsync(request);
            return (response.StatusCode, Body: await response.Content.ReadAsStringAsync(), Resource: response.IsSuccessStatusCode ? await response.ReadAsync<Observation>() : null);
        }).ToList();
        go.SetResult();
        var results = await Task.WhenAll(posts);

        Assert.All(results, r => Assert.True(r.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK, $"{(int)r.StatusCode} {r.Body}"));
        Assert.Single(results, r => r.StatusCode == HttpStatusCode.Created);
        Assert.Single(results.Select(r => r.Resource.Id).Distinct());
        Assert.Equal(1, await CountAsync(reading));
    }

    [Fact]
    public async Task Racing_batches_with_the_same_readings_store_each_once()
    {
        var patient = await _client.CreateAsync(Fhir.Patient());
        var readings = Enumerable.Range(0, 10).Select(i => $"b{i}-{Guid.NewGuid():N}").ToList();
        Bundle Batch()
        {
            var batch = new Bundle { Type = Bundle.BundleType.Batch };
            foreach (var reading in readings.Append(readings[0])) // the first reading twice in the same batch too
            {
                batch.Entry.Add(new Bundle.EntryComponent
                {
                    Resource = Fhir.HeartRate(patient.Id, "2026-03-01T10:00:00Z", 80, reading),
                    Request = new Bundle.RequestComponent { Method = Bundle.HTTPVerb.POST, Url = "Observation", IfNoneExist = $"identifier={ReadingSystem}|{reading}" },
                });
            }

            return batch;
        }

        var go = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var sends = Enumerable.Range(0, 4).Select(async _ =>
        {
            var own = factory.CreateFhirClient();
            var content = Fhir.Json(Batch());
            await go.Task;
            var response = await own.PostAsync(string.Empty, content);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return await response.ReadAsync<Bundle>();
        }).ToList();
        go.SetResult();
        var answers = await Task.WhenAll(sends);

        var created = 0;
        foreach (var answer in answers)
        {
            Assert.Equal(11, answer.Entry.Count);
            Assert.All(answer.Entry, e => Assert.Matches("^20[01]", e.Response.Status));
            created += answer.Entry.Count(e => e.Response.Status.StartsWith("201", StringComparison.Ordinal));
            Assert.Equal(((Observation)answer.Entry[0].Resource).Id, ((Observation)answer.Entry[10].Resource).Id);
        }

        Assert.Equal(readings.Count, created); // each reading was created by exactly one entry of all the batches
        foreach (var reading in readings)
        {
            Assert.Equal(1, await CountAsync(reading));
        }

        var ids = answers.SelectMany(a => a.Entry.Take(10).Select((e, i) => (readings[i], ((Observation)e.Resource).Id))).Distinct().ToList();
        Assert.Equal(readings.Count, ids.Count); // every batch answered with the same stored resource per reading
    }

    [Fact]
    public async Task A_batch_commits_as_one_group_and_a_failing_write_in_it_fails_alone()
    {
        var writer = factory.Services.GetRequiredService<GroupCommitWriter>();
        var patient = await _client.CreateAsync(Fhir.Patient("Stale"));
        var batch = new Bundle { Type = Bundle.BundleType.Batch };
        var readings = Enumerable.Range(0, 3).Select(i => $"g{i}-{Guid.NewGuid():N}").ToList();
        batch.Entry.Add(Create(Fhir.HeartRate(patient.Id, "2026-03-01T10:00:00Z", 70, readings[0])));
        foreach (var family in new[] { "First", "Second" })
        {
            var copy = (Patient)patient.DeepCopy();
            copy.Name[0].Family = family;
            batch.Entry.Add(new Bundle.EntryComponent
            {
                Resource = copy,
                Request = new Bundle.RequestComponent { Method = Bundle.HTTPVerb.PUT, Url = $"Patient/{patient.Id}", IfMatch = "W/\"1\"" },
            });
        }

        batch.Entry.Add(Create(Fhir.HeartRate(patient.Id, "2026-03-01T10:01:00Z", 71, readings[1])));
        batch.Entry.Add(Create(Fhir.HeartRate(patient.Id, "2026-03-01T10:02:00Z", 72, readings[2])));
        var groupsBefore = writer.Groups;

        var response = await _client.PostAsync(string.Empty, Fhir.Json(batch));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var result = await response.ReadAsync<Bundle>();
        Assert.Equal(["201", "200", "412", "201", "201"], result.Entry.Select(e => e.Response.Status[..3]));
        Assert.IsType<OperationOutcome>(result.Entry[2].Response.Outcome);
        // The five writes went to the database together; the batch request's AuditEvent follows in a group of its own.
        Assert.Equal(2, writer.Groups - groupsBefore);
        var stored = await (await _client.GetAsync($"Patient/{patient.Id}")).ReadAsync<Patient>();
        Assert.Equal("2", stored.Meta.VersionId);
        Assert.Equal("First", stored.Name[0].Family);
        foreach (var reading in readings)
        {
            Assert.Equal(1, await CountAsync(reading));
        }
    }

    [Fact]
    public async Task A_write_hook_adds_rows_in_the_writes_transaction_and_its_failure_undoes_that_write_only()
    {
        // The stand-in hook alone: the real safety rules would flag these heart rates too (tests in Safety/).
        await using var hooked = factory.WithWebHostBuilder(b => b.UseSetting("Safety:Enabled", "false").ConfigureServices(s => s.AddScoped<IWriteHook, FlagHook>()));
        var client = hooked.CreateClient(new() { BaseAddress = new Uri("http://localhost/fhir/") });
        var patient = await client.CreateAsync(Fhir.Patient("Hooked"));
        var readings = Enumerable.Range(0, 3).Select(i => $"h{i}-{Guid.NewGuid():N}").ToList();
        var batch = new Bundle { Type = Bundle.BundleType.Batch };
        batch.Entry.Add(Create(Fhir.HeartRate(patient.Id, "2026-03-01T10:00:00Z", 130, readings[0])));
        batch.Entry.Add(Create(Fhir.HeartRate(patient.Id, "2026-03-01T10:01:00Z", FlagHook.Refused, readings[1])));
        batch.Entry.Add(Create(Fhir.HeartRate(patient.Id, "2026-03-01T10:02:00Z", 135, readings[2])));

        var response = await client.PostAsync(string.Empty, Fhir.Json(batch));

        var result = await response.ReadAsync<Bundle>();
        Assert.Equal(["201", "422", "201"], result.Entry.Select(e => e.Response.Status[..3]));
        Assert.Equal(1, await CountAsync(readings[0], client));
        Assert.Equal(0, await CountAsync(readings[1], client));
        Assert.Equal(1, await CountAsync(readings[2], client));
        var flags = await (await client.GetAsync($"Flag?subject=Patient/{patient.Id}")).ReadAsync<Bundle>();
        Assert.Equal(2, flags.Total); // one per stored reading; none for the reading that was undone
    }

    [Fact]
    public async Task Copies_of_a_reading_in_one_batch_are_stored_once_and_answer_200_with_the_first()
    {
        var patient = await _client.CreateAsync(Fhir.Patient());
        var readings = Enumerable.Range(0, 2).Select(i => $"d{i}-{Guid.NewGuid():N}").ToList();
        var batch = new Bundle { Type = Bundle.BundleType.Batch };
        foreach (var i in new[] { 0, 1, 0, 0, 1 })
        {
            batch.Entry.Add(Create(Fhir.HeartRate(patient.Id, "2026-03-01T10:00:00Z", 70 + i, readings[i])));
        }

        var result = await (await _client.PostAsync(string.Empty, Fhir.Json(batch))).ReadAsync<Bundle>();

        Assert.Equal(["201", "201", "200", "200", "200"], result.Entry.Select(e => e.Response.Status[..3]));
        var ids = result.Entry.Select(e => ((Observation)e.Resource).Id).ToList();
        Assert.Equal([ids[0], ids[1], ids[0], ids[0], ids[1]], ids);
        Assert.All(result.Entry.Skip(2), e => Assert.Contains("already matches If-None-Exist", ((OperationOutcome)e.Response.Outcome).Issue[0].Diagnostics));
        foreach (var (reading, id) in readings.Zip(ids))
        {
            Assert.Equal(1, await CountAsync(reading));
            // Its Provenance, saved with it in the same SaveChanges, once: the copies stored nothing.
            var provenances = await (await _client.GetAsync($"Provenance?target=Observation/{id}&_summary=count")).ReadAsync<Bundle>();
            Assert.Equal(1, provenances.Total);
        }
    }

    [Fact]
    public async Task A_batch_mixing_matched_and_new_conditions_creates_only_the_new_and_refuses_an_ambiguous_one()
    {
        var patient = await _client.CreateAsync(Fhir.Patient());
        var old = Enumerable.Range(0, 2).Select(i => $"o{i}-{Guid.NewGuid():N}").ToList();
        var fresh = Enumerable.Range(0, 2).Select(i => $"n{i}-{Guid.NewGuid():N}").ToList();
        var twice = $"t-{Guid.NewGuid():N}";
        var stored = new List<string>();
        foreach (var reading in old)
        {
            stored.Add((await _client.CreateAsync(Fhir.HeartRate(patient.Id, "2026-03-01T09:00:00Z", 60, reading))).Id);
        }

        for (var i = 0; i < 2; i++)
        {
            await _client.CreateAsync(Fhir.HeartRate(patient.Id, "2026-03-01T09:00:00Z", 61, twice)); // two resources, one identifier
        }

        var batch = new Bundle { Type = Bundle.BundleType.Batch };
        batch.Entry.Add(Create(Fhir.HeartRate(patient.Id, "2026-03-01T10:00:00Z", 70, old[0])));
        batch.Entry.Add(Create(Fhir.HeartRate(patient.Id, "2026-03-01T10:00:00Z", 71, fresh[0])));
        batch.Entry.Add(Create(Fhir.HeartRate(patient.Id, "2026-03-01T10:00:00Z", 72, twice)));
        batch.Entry.Add(Create(Fhir.HeartRate(patient.Id, "2026-03-01T10:00:00Z", 73, old[1])));
        batch.Entry.Add(Create(Fhir.HeartRate(patient.Id, "2026-03-01T10:00:00Z", 74, fresh[1])));
        batch.Entry.Add(Create(Fhir.HeartRate(patient.Id, "2026-03-01T10:00:00Z", 75, fresh[0])));

        var result = await (await _client.PostAsync(string.Empty, Fhir.Json(batch))).ReadAsync<Bundle>();

        Assert.Equal(["200", "201", "412", "200", "201", "200"], result.Entry.Select(e => e.Response.Status[..3]));
        Assert.Equal(stored[0], ((Observation)result.Entry[0].Resource).Id);
        Assert.Equal(stored[1], ((Observation)result.Entry[3].Resource).Id);
        Assert.Equal(((Observation)result.Entry[1].Resource).Id, ((Observation)result.Entry[5].Resource).Id);
        Assert.Equal(60m, ((Quantity)((Observation)result.Entry[0].Resource).Value).Value); // the stored reading, not the posted one
        Assert.Contains("matches more than one", ((OperationOutcome)result.Entry[2].Response.Outcome).Issue[0].Diagnostics);
        Assert.Equal(2, await CountAsync(twice));
        foreach (var reading in old.Concat(fresh))
        {
            Assert.Equal(1, await CountAsync(reading));
        }
    }

    [Fact]
    public async Task A_write_failing_in_a_run_of_creates_fails_alone_and_the_run_is_replayed_one_by_one()
    {
        var hook = new FlagHook { ReadsOthers = false }; // lets the writer store the batch's creates as one run
        await using var hooked = factory.WithWebHostBuilder(b => b.UseSetting("Safety:Enabled", "false").ConfigureServices(s => s.AddSingleton<IWriteHook>(hook)));
        var client = hooked.CreateClient(new() { BaseAddress = new Uri("http://localhost/fhir/") });
        var patient = await client.CreateAsync(Fhir.Patient("Run"));
        var readings = Enumerable.Range(0, 3).Select(i => $"f{i}-{Guid.NewGuid():N}").ToList();
        var batch = new Bundle { Type = Bundle.BundleType.Batch };
        batch.Entry.Add(Create(Fhir.HeartRate(patient.Id, "2026-03-01T10:00:00Z", 130, readings[0])));
        batch.Entry.Add(Create(Fhir.HeartRate(patient.Id, "2026-03-01T10:01:00Z", FlagHook.Refused, readings[1])));
        batch.Entry.Add(Create(Fhir.HeartRate(patient.Id, "2026-03-01T10:02:00Z", 135, readings[2])));
        batch.Entry.Add(Create(Fhir.HeartRate(patient.Id, "2026-03-01T10:03:00Z", 136, readings[0])));
        var callsBefore = hook.Calls;

        var result = await (await client.PostAsync(string.Empty, Fhir.Json(batch))).ReadAsync<Bundle>();

        Assert.Equal(["201", "422", "201", "200"], result.Entry.Select(e => e.Response.Status[..3]));
        Assert.Equal(((Observation)result.Entry[0].Resource).Id, ((Observation)result.Entry[3].Resource).Id);
        // Run: reading 0's hook, then reading 1's refuses; replayed: 0, 1 (refuses again), 2. The copy stores nothing.
        Assert.Equal(5, hook.Calls - callsBefore);
        Assert.Equal(1, await CountAsync(readings[0], client));
        Assert.Equal(0, await CountAsync(readings[1], client));
        Assert.Equal(1, await CountAsync(readings[2], client));
        var flags = await (await client.GetAsync($"Flag?subject=Patient/{patient.Id}")).ReadAsync<Bundle>();
        Assert.Equal(2, flags.Total); // one per stored reading: none from the rolled-back run, none for the refused reading
    }

    private static Bundle.EntryComponent Create(Observation observation) => new()
    {
        Resource = observation,
        Request = new Bundle.RequestComponent { Method = Bundle.HTTPVerb.POST, Url = "Observation", IfNoneExist = $"identifier={ReadingSystem}|{observation.Identifier[0].Value}" },
    };

    private static HttpRequestMessage Post(Resource resource, string ifNoneExist)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, resource.TypeName) { Content = Fhir.Json(resource) };
        request.Headers.Add("If-None-Exist", ifNoneExist);
        return request;
    }

    private async Task<int> CountAsync(string reading, HttpClient client = null)
    {
        var bundle = await (await (client ?? _client).GetAsync($"Observation?identifier={ReadingSystem}|{reading}&_summary=count")).ReadAsync<Bundle>();
        return bundle.Total.Value;
    }

    /// <summary>A stand-in for a safety rule: a Flag for every stored heart rate, and a refusal of one value to fail a write inside the group.</summary>
    private sealed class FlagHook : IWriteHook
    {
        public const int Refused = 999;

        private int _calls;

        /// <summary>What it answers the writer (by default: true, so each create is stored and hooked on its own).</summary>
        public bool ReadsOthers { get; init; } = true;

        /// <summary>How often it ran on a stored Observation.</summary>
        public int Calls => Volatile.Read(ref _calls);

        public ValueTask<bool> ReadsOthersOfItsTypeAsync(FhirRequest request, Resource resource, CancellationToken ct) => ValueTask.FromResult(ReadsOthers);

        public async Task AfterWriteAsync(WriteEvent write, CancellationToken ct)
        {
            if (write.Written.Resource is not Observation { Value: Quantity quantity } observation)
            {
                return;
            }

            Interlocked.Increment(ref _calls);

            if (quantity.Value == Refused)
            {
                throw FhirException.Unprocessable("The test hook refuses this reading.");
            }

            await write.Rest.CreateInCurrentTransactionAsync(new Flag
            {
                Status = Flag.FlagStatus.Active,
                Code = new CodeableConcept("http://fhir-ketamine.org/fhir/CodeSystem/ketamine-safety", "hr"),
                Subject = observation.Subject,
            }, ct);
        }
    }
}
