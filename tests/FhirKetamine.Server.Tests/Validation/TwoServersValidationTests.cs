using System.Net;
using FhirKetamine.Core.Validation;
using Hl7.Fhir.Model;

namespace FhirKetamine.Server.Tests.Validation;

/// <summary>
/// Several validation contexts over the process-wide core specification: two servers in one process, or one server
/// after a conformance write swapped in a new context. A vital sign must be checked against its IG profile by content
/// in every one. Firely's <c>SnapshotSource</c> used to regenerate the shared core snapshots in place, and every context
/// built after the first stored a heart rate with a string value (docs/validation-shared-core.md).
/// </summary>
public sealed class TwoServersValidationTests
{
    private const string HeartRateWithText = """
        {"resourceType":"Observation","status":"final",
         "category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"vital-signs"}]}],
         "code":{"coding":[{"system":"http://loinc.org","code":"8867-4"}]},
         "subject":{"reference":"Patient/p1"},"effectiveDateTime":"2026-03-01T10:00:00Z","valueString":"x"}
        """;

    [Fact]
    public async Task A_heart_rate_with_a_string_value_is_refused_by_both_servers()
    {
        await using var first = new FhirServerFactory();
        await using var second = new FhirServerFactory();
        var clients = new[] { first.CreateFhirClient(), second.CreateFhirClient() };

        var statuses = await Task.WhenAll(Enumerable.Range(0, 8).Select(async i =>
        {
            using var response = await clients[i % 2].PostAsync("Observation", Fhir.Json(HeartRateWithText));
            return (Server: i % 2, response.StatusCode);
        }));

        Assert.True(statuses.All(s => s.StatusCode == HttpStatusCode.UnprocessableEntity),
            string.Join(", ", statuses.Select(s => $"server {s.Server}: {(int)s.StatusCode}")));
    }

    [Fact]
    public async Task Validating_leaves_the_shared_core_definitions_as_they_were()
    {
        var core = CoreSpecification.Instance;
        string[] urls = ["http://hl7.org/fhir/StructureDefinition/heartrate", "http://hl7.org/fhir/StructureDefinition/vitalsigns",
            "http://hl7.org/fhir/StructureDefinition/Observation", "http://hl7.org/fhir/StructureDefinition/Quantity"];
        var before = urls.Select(u => Fhir.ToJson((Resource)core.Resolver.ResolveByCanonicalUri(u)!)).ToList();

        await using (var server = new FhirServerFactory())
        {
            using var response = await server.CreateFhirClient().PostAsync("Observation", Fhir.Json(HeartRateWithText));
            Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        }

        Assert.Equal(before, urls.Select(u => Fhir.ToJson((Resource)core.Resolver.ResolveByCanonicalUri(u)!)));
    }

    [Fact]
    public async Task After_a_conformance_write_the_next_context_still_enforces_the_vital_sign_profiles()
    {
        await using var server = new FhirServerFactory();
        var client = server.CreateFhirClient();
        using (var before = await client.PostAsync("Observation", Fhir.Json(HeartRateWithText)))
        {
            Assert.Equal(HttpStatusCode.UnprocessableEntity, before.StatusCode);
        }

        // A clinic's own ValueSet: the server builds and swaps in a new validation context before the write returns.
        using (var valueSet = await client.PostAsync("ValueSet", Fhir.Json("""
            {"resourceType":"ValueSet","url":"http://clinic.example/ValueSet/chairs","name":"Chairs","status":"active",
             "compose":{"include":[{"system":"http://clinic.example/chairs","concept":[{"code":"c1"}]}]}}
            """)))
        {
            Assert.Equal(HttpStatusCode.Created, valueSet.StatusCode);
        }

        using var after = await client.PostAsync("Observation", Fhir.Json(HeartRateWithText));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, after.StatusCode);
        Assert.Contains("valueString", await after.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
