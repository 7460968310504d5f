// Firely's model is nullable-annotated throughout; in these tests a missing element is a failed assertion
// (a NullReferenceException names it), not something to guard against.
#nullable disable warnings

using System.Net;
using Hl7.Fhir.Model;

namespace FhirKetamine.Server.Tests.Storage;

public sealed class ConcurrentUpdateTests(FhirServerFactory factory) : IClassFixture<FhirServerFactory>
{
    [Fact]
    public async Task Concurrent_updates_with_the_same_IfMatch_let_exactly_one_win()
    {
        var client = factory.CreateFhirClient();
        var patient = await client.CreateAsync(Fhir.Patient("Start"));
        const int writers = 8;
        var go = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var tasks = Enumerable.Range(0, writers).Select(async i =>
        {
            var copy = (Patient)patient.DeepCopy();
            copy.Name[0].Family = $"Writer{i}";
            var request = new HttpRequestMessage(HttpMethod.Put, $"Patient/{patient.Id}") { Content = Fhir.Json(copy) };
            request.Headers.TryAddWithoutValidation("If-Match", "W/\"1\"");
            var own = factory.CreateFhirClient();
            await go.Task;
            var response = await own.SendAsync(request);
            return (i, response.StatusCode, Body: await response.Content.ReadAsStringAsync());
        }).ToList();
        go.SetResult();
        var results = await Task.WhenAll(tasks);

        var winners = results.Where(r => r.StatusCode == HttpStatusCode.OK).ToList();
        var winner = Assert.Single(winners);
        Assert.All(results.Where(r => r.StatusCode != HttpStatusCode.OK),
            r => Assert.True(r.StatusCode is HttpStatusCode.Conflict or HttpStatusCode.PreconditionFailed, $"writer {r.i}: {(int)r.StatusCode} {r.Body}"));

        var current = await (await client.GetAsync($"Patient/{patient.Id}")).ReadAsync<Patient>();
        Assert.Equal("2", current.Meta.VersionId);
        Assert.Equal($"Writer{winner.i}", current.Name[0].Family);
        var history = await (await client.GetAsync($"Patient/{patient.Id}/_history")).ReadAsync<Bundle>();
        Assert.Equal(2, history.Total);
    }

    [Fact]
    public async Task Concurrent_updates_without_IfMatch_lose_no_version()
    {
        var client = factory.CreateFhirClient();
        var patient = await client.CreateAsync(Fhir.Patient("Start"));
        const int writers = 6;
        var go = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var tasks = Enumerable.Range(0, writers).Select(async i =>
        {
            var copy = (Patient)patient.DeepCopy();
            copy.Name[0].Family = $"Writer{i}";
            var own = factory.CreateFhirClient();
            await go.Task;
            var response = await own.PutAsync($"Patient/{patient.Id}", Fhir.Json(copy));
            return response.StatusCode;
        }).ToList();
        go.SetResult();
        var statuses = await Task.WhenAll(tasks);

        // Writers that were told 200 each made a version; a 409 asks the client to retry. No acknowledged write is lost.
        Assert.All(statuses, s => Assert.True(s is HttpStatusCode.OK or HttpStatusCode.Conflict, $"got {(int)s}"));
        var acknowledged = statuses.Count(s => s == HttpStatusCode.OK);
        var current = await (await client.GetAsync($"Patient/{patient.Id}")).ReadAsync<Patient>();
        Assert.Equal((1 + acknowledged).ToString(System.Globalization.CultureInfo.InvariantCulture), current.Meta.VersionId);
    }
}
