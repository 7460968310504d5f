// Firely's model is nullable-annotated throughout; in these tests a missing element is a failed assertion
// (a NullReferenceException names it), not something to guard against.
#nullable disable warnings

using System.Net;
using FhirKetamine.Core.Search;
using Hl7.Fhir.Model;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static FhirKetamine.Server.Tests.Search.SearchBundles;

namespace FhirKetamine.Server.Tests.Search;

/// <summary>
/// Token <c>:in</c> and <c>:not-in</c> against ValueSets the server knows: core R4, the IG's, and those posted through
/// the API (by URL or as ValueSet/[id]), expanded by the server's own terminology service.
/// </summary>
public sealed class SearchValueSetModifierTests(FhirServerFactory factory) : IClassFixture<FhirServerFactory>
{
    private const string Loinc = "http://loinc.org";
    private const string KetamineObservation = "http://fhir-ketamine.org/fhir/CodeSystem/ketamine-observation";

    private readonly HttpClient client = factory.CreateFhirClient();

    private async Task<string> NewPatientAsync() => (await client.CreateAsync(Fhir.Patient())).Id;

    private async Task<string> ObservationAsync(string patient, string system, string code, string category = "vital-signs")
    {
        var obs = new Observation
        {
            Status = ObservationStatus.Final,
            Category = [new CodeableConcept("http://terminology.hl7.org/CodeSystem/observation-category", category)],
            Code = new CodeableConcept(system, code),
            Subject = new ResourceReference($"Patient/{patient}"),
            Effective = new FhirDateTime("2026-03-01T10:00:00Z"),
            // A LOINC vital sign is checked against its IG profile by content (a rate in /min); the others take any value.
            Value = system == Loinc ? new Quantity { Value = 70, Unit = "/min", System = "http://unitsofmeasure.org", Code = "/min" } : new FhirString("x"),
        };
        return (await client.CreateAsync(obs)).Id;
    }

    /// <summary>A ValueSet listing <paramref name="codes"/> of LOINC, plus <paramref name="padding"/> made-up codes of another system.</summary>
    private static ValueSet LoincSet(string url, int padding, params string[] codes)
    {
        var valueSet = new ValueSet
        {
            Url = url,
            Status = PublicationStatus.Active,
            Compose = new ValueSet.ComposeComponent
            {
                Include = [new ValueSet.ConceptSetComponent { System = Loinc, Concept = [.. codes.Select(c => new ValueSet.ConceptReferenceComponent { Code = c })] }],
            },
        };
        if (padding > 0)
        {
            valueSet.Compose.Include.Add(new ValueSet.ConceptSetComponent
            {
                System = "http://example.org/padding",
                Concept = [.. Enumerable.Range(0, padding).Select(i => new ValueSet.ConceptReferenceComponent { Code = $"p{i}" })],
            });
        }

        return valueSet;
    }

    [Fact]
    public async Task In_and_not_in_use_a_ValueSet_posted_through_the_API_by_url_and_by_id()
    {
        var patient = await NewPatientAsync();
        var heart = await ObservationAsync(patient, Loinc, "8867-4");
        var respiratory = await ObservationAsync(patient, Loinc, "9279-1");
        var sameCodeOtherSystem = await ObservationAsync(patient, "http://example.org/not-loinc", "8867-4");
        var url = $"http://clinic.example/ValueSet/hr-{Guid.NewGuid():N}";
        // 300 more codes than the match needs: the codes go to the database as an array, not one parameter each.
        var posted = await client.CreateAsync(LoincSet(url, 300, "8867-4", "8310-5"));

        var inByUrl = await client.GetBundleAsync($"Observation?patient={patient}&code:in={Q(url)}");
        var inById = await client.GetBundleAsync($"Observation?patient={patient}&code:in=ValueSet/{posted.Id}");
        var notIn = await client.GetBundleAsync($"Observation?patient={patient}&code:not-in={Q(url)}");
        var drivenByIn = await client.GetBundleAsync($"Observation?code:in={Q(url)}&subject=Patient/{patient}");

        Assert.Equal([heart], inByUrl.MatchIds());
        Assert.Equal([heart], inById.MatchIds());
        Assert.Equal(new[] { respiratory, sameCodeOtherSystem }.Order(), notIn.MatchIds().Order());
        Assert.Equal([heart], drivenByIn.MatchIds());
    }

    [Fact]
    public async Task The_codes_go_to_the_database_as_one_array_parameter_per_code_system()
    {
        var url = $"http://clinic.example/ValueSet/wide-{Guid.NewGuid():N}";
        await client.CreateAsync(LoincSet(url, 400, "8867-4", "9279-1"));
        using var scope = factory.Services.CreateScope();
        var parser = scope.ServiceProvider.GetRequiredService<SearchQueryParser>();
        var search = scope.ServiceProvider.GetRequiredService<SearchExecutor>();
        var query = parser.Parse("Observation", [new("code:in", url), new("category", "vital-signs")], strict: true);

        await search.PrepareAsync(query, CancellationToken.None);
        var sql = search.Filter(query).ToQueryString();

        Assert.Equal(402, query.Clauses[0].ValueSet.Count);
        // ToQueryString declares each parameter on a line of its own (SQLite ".param set @x", Npgsql "-- @x="): 402 codes
        // in two systems are two array parameters (json_each on SQLite, = ANY on PostgreSQL) beside the type, name and
        // system ones, not 402 parameters.
        var parameters = sql.Split('\n').Count(l => l.StartsWith(".param set", StringComparison.Ordinal) || l.StartsWith("-- @", StringComparison.Ordinal));
        Assert.True(parameters <= 12, sql);
        Assert.True(sql.Contains("json_each(", StringComparison.Ordinal) || sql.Contains("= ANY (", StringComparison.Ordinal), sql);
    }

    [Fact]
    public async Task A_changed_ValueSet_is_expanded_again()
    {
        var patient = await NewPatientAsync();
        var heart = await ObservationAsync(patient, Loinc, "8867-4");
        var respiratory = await ObservationAsync(patient, Loinc, "9279-1");
        var url = $"http://clinic.example/ValueSet/vitals-{Guid.NewGuid():N}";
        var posted = await client.CreateAsync(LoincSet(url, 0, "8867-4"));
        Assert.Equal([heart], (await client.GetBundleAsync($"Observation?patient={patient}&code:in={Q(url)}")).MatchIds());

        var changed = LoincSet(url, 0, "8867-4", "9279-1");
        changed.Id = posted.Id;
        var put = await client.PutAsync($"ValueSet/{posted.Id}", Fhir.Json(changed));
        Assert.True(put.IsSuccessStatusCode, await put.Content.ReadAsStringAsync());

        var after = await client.GetBundleAsync($"Observation?patient={patient}&code:in={Q(url)}");
        Assert.Equal(new[] { heart, respiratory }.Order(), after.MatchIds().Order());
    }

    [Fact]
    public async Task In_uses_the_IG_and_core_ValueSets()
    {
        var patient = await NewPatientAsync();
        var companion = await ObservationAsync(patient, KetamineObservation, "companion-present", "survey");
        var heart = await ObservationAsync(patient, Loinc, "8867-4");
        var igSet = "http://fhir-ketamine.org/fhir/ValueSet/ketamine-observation";
        var coreSet = "http://hl7.org/fhir/ValueSet/observation-category";

        var byIg = await client.GetBundleAsync($"Observation?patient={patient}&code:in={Q(igSet)}");
        var byCore = await client.GetBundleAsync($"Observation?patient={patient}&category:in={Q(coreSet)}");
        var notByIg = await client.GetBundleAsync($"Observation?patient={patient}&code:not-in={Q(igSet)}");
        // Comma: in either ValueSet.
        var either = await client.GetBundleAsync($"Observation?patient={patient}&code:in={Q(igSet)},{Q("http://hl7.org/fhir/ValueSet/observation-vitalsignresult")}");

        Assert.Equal([companion], byIg.MatchIds());
        Assert.Equal(new[] { companion, heart }.Order(), byCore.MatchIds().Order());
        Assert.Equal([heart], notByIg.MatchIds());
        Assert.Equal(new[] { companion, heart }.Order(), either.MatchIds().Order());
    }

    [Fact]
    public async Task In_works_inside_has_and_in_conditional_requests()
    {
        var patient = await NewPatientAsync();
        var other = await NewPatientAsync();
        await ObservationAsync(patient, KetamineObservation, "discharge-ready", "survey");
        await ObservationAsync(other, Loinc, "8867-4");
        var igSet = "http://fhir-ketamine.org/fhir/ValueSet/ketamine-observation";

        var has = await client.GetBundleAsync($"Patient?_id={patient},{other}&_has:Observation:patient:code:in={Q(igSet)}");
        Assert.Equal([patient], has.MatchIds());

        // A conditional delete runs the same search (MatchKeysAsync): only the IG-coded Observation goes.
        var delete = await client.DeleteAsync($"Observation?patient={patient}&code:in={Q(igSet)}");
        Assert.True(delete.IsSuccessStatusCode, await delete.Content.ReadAsStringAsync());
        Assert.Empty((await client.GetBundleAsync($"Observation?patient={patient}")).MatchIds());
        Assert.Single((await client.GetBundleAsync($"Observation?patient={other}")).MatchIds());
    }

    [Theory]
    [InlineData("http://clinic.example/ValueSet/never-posted", "not known")]
    [InlineData("ValueSet/no-such-id", "holds no")]
    [InlineData("http://hl7.org/fhir/ValueSet/observation-codes", "cannot be expanded")]
    public async Task A_ValueSet_the_server_cannot_expand_is_400_naming_the_parameter(string valueSet, string reason)
    {
        var response = await client.GetAsync($"Observation?code:in={Q(valueSet)}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var diagnostics = (await response.ReadAsync<OperationOutcome>()).Issue[0].Diagnostics;
        Assert.Contains("code:in", diagnostics, StringComparison.Ordinal);
        Assert.Contains(reason, diagnostics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_ValueSet_beyond_the_expansion_cap_is_400_too_costly()
    {
        var url = $"http://clinic.example/ValueSet/big-{Guid.NewGuid():N}";
        await client.CreateAsync(LoincSet(url, SearchValueSets.MaxCodes + 1, "8867-4"));

        var response = await client.GetAsync($"Observation?code:not-in={Q(url)}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var issue = (await response.ReadAsync<OperationOutcome>()).Issue[0];
        Assert.Equal(OperationOutcome.IssueType.TooCostly, issue.Code);
        Assert.Contains("code:not-in", issue.Diagnostics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_CapabilityStatement_lists_in_and_not_in_on_token_parameters()
    {
        var statement = await (await client.GetAsync("metadata")).ReadAsync<CapabilityStatement>();
        var code = statement.Rest[0].Resource.Single(r => r.Type == "Observation").SearchParam.Single(p => p.Name == "code").Documentation;
        var subject = statement.Rest[0].Resource.Single(r => r.Type == "Observation").SearchParam.Single(p => p.Name == "subject").Documentation;

        Assert.Contains(":in,", code);
        Assert.Contains(":not-in", code);
        Assert.DoesNotContain(":in", subject);
    }
}
