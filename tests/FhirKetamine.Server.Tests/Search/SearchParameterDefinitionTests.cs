// Firely's model is nullable-annotated throughout; in these tests a missing element is a failed assertion
// (a NullReferenceException names it), not something to guard against.
#nullable disable warnings

using System.Net;
using System.Net.Http.Headers;

using FhirKetamine.Server.Tests.Smart;

using Hl7.Fhir.Model;

using static FhirKetamine.Server.Tests.Search.SearchBundles;

namespace FhirKetamine.Server.Tests.Search;

/// <summary>
/// The IG's own SearchParameters and those written through the REST API: indexed at write time like core ones,
/// refused (422) when the server could not index them, and brought to the resources stored before them by $reindex.
/// </summary>
public sealed class SearchParameterDefinitionTests(FhirServerFactory factory) : IClassFixture<FhirServerFactory>
{
    private readonly HttpClient client = factory.CreateFhirClient();

    [Fact]
    public async Task The_IG_infusion_number_parameter_finds_the_infusion_of_that_number()
    {
        var patientId = (await client.CreateAsync(Fhir.Patient("Series"))).Id;
        var third = await CreateInfusionAsync(patientId, 3);
        var fourth = await CreateInfusionAsync(patientId, 4);

        var exactly3 = await client.GetBundleAsync($"Procedure?subject=Patient/{patientId}&infusion-number=3");
        var from4 = await client.GetBundleAsync($"Procedure?subject=Patient/{patientId}&infusion-number=ge4");

        Assert.Equal([third], exactly3.MatchIds());
        Assert.Equal([fourth], from4.MatchIds());
        var statement = await (await client.GetAsync("metadata")).ReadAsync<CapabilityStatement>();
        var procedure = statement.Rest[0].Resource.Single(r => r.Type == "Procedure").SearchParam;
        Assert.Contains(procedure, p => p.Name == "infusion-number" && p.Type == SearchParamType.Number
            && p.Definition == "http://fhir-ketamine.org/fhir/SearchParameter/Procedure-infusion-number");
    }

    [Fact]
    public async Task A_posted_SearchParameter_indexes_new_writes_at_once_and_older_resources_after_reindex()
    {
        var code = $"nick{Guid.NewGuid():N}"[..16];
        var nickname = $"Zed{Guid.NewGuid():N}"[..12];
        var before = (await client.CreateAsync(WithNickname(nickname))).Id;

        using (var posted = await client.PostAsync("SearchParameter", Fhir.Json(NicknameParameter(code))))
        {
            Assert.Equal(HttpStatusCode.Created, posted.StatusCode);
        }

        var after = (await client.CreateAsync(WithNickname(nickname))).Id;
        var statement = await (await client.GetAsync("metadata")).ReadAsync<CapabilityStatement>();
        Assert.Contains(statement.Rest[0].Resource.Single(r => r.Type == "Patient").SearchParam,
            p => p.Name == code && p.Type == SearchParamType.String && p.Definition == $"http://example.org/fhir/SearchParameter/{code}");
        var beforeReindex = await client.GetBundleAsync($"Patient?{code}={nickname}");
        Assert.Equal([after], beforeReindex.MatchIds());
        Assert.DoesNotContain(beforeReindex.Entry, e => e.Search?.Mode == Bundle.SearchEntryMode.Outcome); // a known parameter: no warning

        using var kickOff = await client.PostAsync("Patient/$reindex", null);
        Assert.Equal(HttpStatusCode.Accepted, kickOff.StatusCode);
        var status = kickOff.Content.Headers.ContentLocation ?? throw new InvalidOperationException("No Content-Location on the $reindex kick-off.");
        var final = await WaitForReindexAsync(client, status);

        Assert.Equal("completed", final.GetSingleValue<Code>("status").Value);
        Assert.Equal("Patient", final.GetSingleValue<FhirString>("scope").Value);
        Assert.True(final.GetSingleValue<Integer>("total").Value >= 2, "total counts the Patients at kick-off");
        Assert.Equal(final.GetSingleValue<Integer>("total").Value, final.GetSingleValue<Integer>("done").Value);
        var afterReindex = await client.GetBundleAsync($"Patient?{code}={nickname}&_sort=_id");
        Assert.Equal(new[] { before, after }.Order(StringComparer.Ordinal), afterReindex.MatchIds().Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Updates_racing_a_reindex_keep_the_index_rows_of_their_own_version()
    {
        var code = $"race{Guid.NewGuid():N}"[..16];
        var old = $"Old{Guid.NewGuid():N}"[..12];
        var renamed = $"New{Guid.NewGuid():N}"[..12];
        await client.CreateAsync(NicknameParameter(code));
        var ids = new List<string>();
        foreach (var batch in Enumerable.Range(0, 300).Chunk(6))
        {
            ids.AddRange((await Task.WhenAll(batch.Select(_ => client.CreateAsync(WithNickname(old))))).Select(p => p.Id));
        }

        using var kickOff = await client.PostAsync("Patient/$reindex", null);
        Assert.Equal(HttpStatusCode.Accepted, kickOff.StatusCode);
        foreach (var batch in ids.Chunk(4))
        {
            // Every update while the job's chunks rewrite the same rows: neither may leave the old nickname's row.
            await Task.WhenAll(batch.Select(async id =>
            {
                var patient = WithNickname(renamed);
                patient.Id = id;
                using var put = await client.PutAsync($"Patient/{id}", Fhir.Json(patient));
                Assert.Equal(HttpStatusCode.OK, put.StatusCode);
            }));
        }

        await WaitForReindexAsync(client, kickOff.Content.Headers.ContentLocation);
        Assert.Empty(await AllMatchesAsync($"Patient?{code}={old}&_count=1000"));
        Assert.Equal(ids.Order(StringComparer.Ordinal), (await AllMatchesAsync($"Patient?{code}={renamed}&_count=1000")).Order(StringComparer.Ordinal));
    }

    private async Task<List<string>> AllMatchesAsync(string url) =>
        (await client.AllPagesAsync(url)).SelectMany(b => b.MatchIds()).ToList();

    [Fact]
    public async Task A_deleted_SearchParameter_is_no_longer_answered()
    {
        var code = $"gone{Guid.NewGuid():N}"[..16];
        var created = await client.CreateAsync(NicknameParameter(code));
        Assert.Empty((await client.GetBundleAsync($"Patient?{code}=nobody")).MatchIds());

        using var deleted = await client.DeleteAsync($"SearchParameter/{created.Id}");
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);

        using var strict = new HttpRequestMessage(HttpMethod.Get, $"Patient?{code}=nobody");
        strict.Headers.Add("Prefer", "handling=strict");
        using var response = await client.SendAsync(strict);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Theory]
    [InlineData("Patient.name.where(use = 'nickname'", "string", "does not compile")]
    [InlineData("Patient.name.given", "composite", "composite")]
    [InlineData("Observation.code", "token", "no path starting at base 'Patient'")]
    public async Task A_SearchParameter_the_server_cannot_index_is_422_naming_the_problem(string expression, string type, string problem)
    {
        var json = $$"""
            {"resourceType":"SearchParameter","url":"http://example.org/SearchParameter/bad-{{Guid.NewGuid():N}}","name":"Bad",
             "status":"active","description":"Cannot be indexed","code":"bad-one","base":["Patient"],"type":"{{type}}",
             "expression":"{{expression}}"}
            """;

        using var response = await client.PostAsync("SearchParameter", Fhir.Json(json));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var outcome = await response.ReadAsync<OperationOutcome>();
        Assert.Contains(outcome.Issue, i => i.Severity == OperationOutcome.IssueSeverity.Error && (i.Diagnostics ?? string.Empty).Contains(problem, StringComparison.Ordinal));
    }

    private async Task<string> CreateInfusionAsync(string patientId, int number)
    {
        var json = $$$"""
            {"resourceType":"Procedure","status":"completed",
             "extension":[{"url":"http://fhir-ketamine.org/fhir/StructureDefinition/infusion-number","valuePositiveInt":{{{number}}}}],
             "code":{"coding":[{"system":"http://snomed.info/sct","code":"14152002","display":"Intravenous infusion"}]},
             "basedOn":[{"reference":"CarePlan/plan-{{{patientId}}}"}],
             "subject":{"reference":"Patient/{{{patientId}}}"},"encounter":{"reference":"Encounter/session-{{{patientId}}}-{{{number}}}"},
             "reasonReference":[{"reference":"Condition/indication-{{{patientId}}}"}],
             "performedPeriod":{"start":"2026-0{{{number}}}-01T10:00:00Z","end":"2026-0{{{number}}}-01T10:40:00Z"}}
            """;
        using var response = await client.PostAsync("Procedure", Fhir.Json(json));
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return (await response.ReadAsync<Procedure>()).Id;
    }

    private static Patient WithNickname(string nickname)
    {
        var patient = Fhir.Patient("Nicknamed");
        patient.Name.Add(new HumanName { Use = HumanName.NameUse.Nickname, Given = [nickname] });
        return patient;
    }

    private static SearchParameter NicknameParameter(string code) => new()
    {
        Url = $"http://example.org/fhir/SearchParameter/{code}",
        Name = "Nickname",
        Status = PublicationStatus.Active,
        Description = "A patient's nickname",
        Code = code,
        Base = [ResourceType.Patient],
        Type = SearchParamType.String,
        Expression = "Patient.name.where(use = 'nickname').given",
    };

    /// <summary>Polls a $reindex status URL until the job ended; the last answer (200, a Parameters).</summary>
    internal static async Task<Parameters> WaitForReindexAsync(HttpClient client, Uri status)
    {
        for (var i = 0; i < 600; i++)
        {
            using var response = await client.GetAsync(status);
            var parameters = await response.ReadAsync<Parameters>();
            var state = parameters.GetSingleValue<Code>("status").Value;
            if (response.StatusCode == HttpStatusCode.Accepted)
            {
                Assert.Contains(state, new[] { "queued", "running" });
                Assert.True(response.Headers.Contains("X-Progress"));
                await Task.Delay(100);
                continue;
            }

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return parameters;
        }

        throw new TimeoutException($"$reindex at {status} did not end within a minute.");
    }
}

/// <summary>$reindex rewrites every resource's index rows: only a caller with system/*.cruds may start or watch it.</summary>
public sealed class ReindexScopeTests(SmartServerFactory server) : IClassFixture<SmartServerFactory>
{
    [Fact]
    public async Task Reindex_without_the_system_wildcard_scope_is_403_and_with_it_runs()
    {
        var reader = server.CreateFhirClient(await server.EhrTokenAsync("system/*.rs"));
        var admin = server.CreateFhirClient(await server.EhrTokenAsync("system/*.cruds"));

        using var refusedSystem = await reader.PostAsync("$reindex", null);
        using var refusedType = await reader.PostAsync("Observation/$reindex", null);
        using var accepted = await admin.PostAsync("Observation/$reindex", null);

        Assert.Equal(HttpStatusCode.Forbidden, refusedSystem.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, refusedType.StatusCode);
        Assert.Equal(OperationOutcome.IssueType.Forbidden, (await refusedSystem.ReadAsync<OperationOutcome>()).Issue[0].Code);
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        var status = accepted.Content.Headers.ContentLocation;
        using var readerPoll = await reader.GetAsync(status);
        Assert.Equal(HttpStatusCode.Forbidden, readerPoll.StatusCode);
        var final = await SearchParameterDefinitionTests.WaitForReindexAsync(admin, status);
        Assert.Equal("completed", final.GetSingleValue<Code>("status").Value);
    }
}

/// <summary>Two instances on one database: a SearchParameter written through one is indexed and answered by the other.</summary>
public sealed class SearchParameterTwoInstancesTests : IAsyncLifetime
{
    private readonly FhirServerFactory _first = new();
    private FhirServerFactory _second = null!;

    public Task InitializeAsync()
    {
        _ = _first.CreateClient(); // the first instance migrates the database
        _second = new FhirServerFactory(_first.Database) { OwnsDatabase = false };
        _second.Settings["Validation:ConformanceRefreshSeconds"] = "0.3";
        _ = _second.CreateClient();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _second.DisposeAsync();
        await _first.DisposeAsync();
    }

    [Fact]
    public async Task A_SearchParameter_posted_on_one_instance_is_indexed_by_the_other_after_its_poll()
    {
        var code = $"mid{Guid.NewGuid():N}"[..16];
        var middle = $"Mid{Guid.NewGuid():N}"[..12];
        var parameter = new SearchParameter
        {
            Url = $"http://example.org/fhir/SearchParameter/{code}",
            Name = "MiddleName",
            Status = PublicationStatus.Active,
            Description = "Second given name",
            Code = code,
            Base = [ResourceType.Patient],
            Type = SearchParamType.String,
            Expression = "Patient.name.given[1]",
        };
        await _first.CreateFhirClient().CreateAsync(parameter);
        var other = _second.CreateFhirClient();

        // Strict handling: until the other instance knows the parameter, the search is a 400, not every Patient.
        var ours = new List<string>();
        Bundle answer = null;
        for (var i = 0; i < 50 && answer is null; i++)
        {
            await Task.Delay(200);
            var patient = Fhir.Patient("Okafor");
            patient.Name[0].Given = ["Ada", middle];
            ours.Add((await other.CreateAsync(patient)).Id);
            using var request = new HttpRequestMessage(HttpMethod.Get, $"Patient?{code}={middle}");
            request.Headers.Add("Prefer", "handling=strict");
            using var response = await other.SendAsync(request);
            if (response.StatusCode == HttpStatusCode.OK)
            {
                answer = await response.ReadAsync<Bundle>();
            }
            else
            {
                Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            }
        }

        Assert.NotNull(answer);
        Assert.Contains(ours[^1], answer.MatchIds()); // written after the other instance took the parameter in
        Assert.All(answer.MatchIds(), id => Assert.Contains(id, ours));
    }
}
