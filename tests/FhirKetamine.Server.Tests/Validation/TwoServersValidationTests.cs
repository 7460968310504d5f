using System.Net;
using FhirKetamine.Core.Validation;
using Hl7.Fhir.Model;

namespace FhirKetamine.Server.Tests.Validation;

/// <summary>
/// Two servers in one process, each with its own validation context over the process-wide core specification (as the
/// contexts of one server are while a profile change swaps them): a vital sign must be checked against its IG profile
/// by content on both. <b>Known bug, not fixed yet</b> (docs/validation-shared-core.md): validating rewrites the
/// snapshots of the shared core StructureDefinitions in place, and a context built after that stores a heart rate with
/// a string value. Giving each context copies of the core definitions fixes these two tests but makes Firely's
/// <c>ref-1</c> fire on identifier-only references and moves the agreement figures: to be finished before un-skipping.
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
}
