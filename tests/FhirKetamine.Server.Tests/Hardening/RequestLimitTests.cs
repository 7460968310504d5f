using System.Net;

using Hl7.Fhir.Model;

using static FhirKetamine.Server.Tests.Search.SearchBundles;

namespace FhirKetamine.Server.Tests.Hardening;

/// <summary>Request size limits from configuration: a refused request stores nothing and names the limit.</summary>
public sealed class RequestLimitTests(RequestLimitTests.Server server) : IClassFixture<RequestLimitTests.Server>
{
    private readonly HttpClient client = server.Factory.CreateFhirClient();

    [Fact]
    public async Task A_body_over_the_configured_limit_is_413_and_nothing_is_stored()
    {
        var mrn = Guid.NewGuid().ToString("N");
        var patient = Fhir.Patient("Rivera", mrn);
        patient.Name[0].Given = [new string('a', 5000)];

        using var response = await client.PostAsync("Patient", Fhir.Json(patient));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        var outcome = await response.ReadAsync<OperationOutcome>();
        Assert.Equal(OperationOutcome.IssueType.TooCostly, outcome.Issue[0].Code);
        Assert.Contains("Fhir:MaxRequestBodyBytes", outcome.Issue[0].Diagnostics, StringComparison.Ordinal);
        Assert.Empty((await client.GetBundleAsync($"Patient?identifier={mrn}")).MatchIds());
    }

    [Theory]
    [InlineData(Bundle.BundleType.Transaction)]
    [InlineData(Bundle.BundleType.Batch)]
    public async Task A_bundle_with_more_entries_than_the_limit_is_413_naming_it_and_nothing_is_stored(Bundle.BundleType type)
    {
        var mrn = Guid.NewGuid().ToString("N");

        using var response = await client.PostAsync("", Fhir.Json(Creates(type, mrn, 4)));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        var issue = (await response.ReadAsync<OperationOutcome>()).Issue[0];
        Assert.Equal(OperationOutcome.IssueType.TooCostly, issue.Code);
        Assert.Contains("at most 3 entries (Fhir:MaxBundleEntries)", issue.Diagnostics, StringComparison.Ordinal);
        Assert.Contains("has 4", issue.Diagnostics, StringComparison.Ordinal);
        Assert.Empty((await client.GetBundleAsync($"Patient?identifier={mrn}")).MatchIds());
    }

    [Fact]
    public async Task A_bundle_at_the_limit_is_processed()
    {
        var mrn = Guid.NewGuid().ToString("N");

        using var response = await client.PostAsync("", Fhir.Json(Creates(Bundle.BundleType.Transaction, mrn, 3)));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(3, (await client.GetBundleAsync($"Patient?identifier={mrn}")).MatchIds().Count);
    }

    private static Bundle Creates(Bundle.BundleType type, string mrn, int count)
    {
        var bundle = new Bundle { Type = type };
        for (var i = 0; i < count; i++)
        {
            bundle.Entry.Add(new Bundle.EntryComponent
            {
                FullUrl = $"urn:uuid:{Guid.NewGuid()}",
                Resource = Fhir.Patient($"Family{i}", mrn),
                Request = new Bundle.RequestComponent { Method = Bundle.HTTPVerb.POST, Url = "Patient" },
            });
        }

        return bundle;
    }

    /// <summary>A server with a 4 KB body limit and at most 3 Bundle entries.</summary>
    public sealed class Server : IAsyncLifetime
    {
        public Server()
        {
            Factory.Settings["Fhir:MaxRequestBodyBytes"] = "4096";
            Factory.Settings["Fhir:MaxBundleEntries"] = "3";
        }

        public FhirServerFactory Factory { get; } = new();

        public Task InitializeAsync() => Task.CompletedTask;

        public async Task DisposeAsync() => await Factory.DisposeAsync();
    }
}
