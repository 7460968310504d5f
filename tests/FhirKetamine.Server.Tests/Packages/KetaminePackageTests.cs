using System.Net;
using Hl7.Fhir.Model;

namespace FhirKetamine.Server.Tests.Packages;

public sealed class KetaminePackageTests(FhirServerFactory factory) : IClassFixture<FhirServerFactory>
{
    private readonly HttpClient _client = factory.CreateFhirClient();

    [Fact]
    public async Task The_ketamine_profiles_are_loaded_at_start_and_searchable_by_url()
    {
        const string url = "http://fhir-ketamine.org/fhir/StructureDefinition/ketamine-infusion-procedure";

        var response = await _client.GetAsync($"StructureDefinition?url={url}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var bundle = await response.ReadAsync<Bundle>();
        var profile = Assert.IsType<StructureDefinition>(Assert.Single(bundle.Entry, e => e.Search?.Mode == Bundle.SearchEntryMode.Match).Resource);
        Assert.Equal(url, profile.Url);
        Assert.Equal("Procedure", profile.Type);
    }

    [Fact]
    public async Task Loading_the_package_again_on_restart_creates_no_new_versions()
    {
        await using var restarted = new FhirServerFactory(factory.Database) { OwnsDatabase = false };
        _ = factory.CreateClient(); // the first host has loaded the package
        var client = restarted.CreateFhirClient();

        var history = await (await client.GetAsync("StructureDefinition/ketamine-infusion-procedure/_history")).ReadAsync<Bundle>();

        Assert.Equal(1, history.Total);
    }

    [Fact]
    public async Task A_package_resource_a_clinic_replaced_without_the_package_tag_survives_a_restart()
    {
        var thresholds = await (await _client.GetAsync("ObservationDefinition/heart-rate-thresholds")).ReadAsync<ObservationDefinition>();
        thresholds.Meta!.Tag.Clear();
        thresholds.PreferredReportName = "Heart rate (clinic's own limits)";
        using var put = await _client.PutAsync("ObservationDefinition/heart-rate-thresholds", Fhir.Json(thresholds));
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);

        await using var restarted = new FhirServerFactory(factory.Database) { OwnsDatabase = false };
        var after = await (await restarted.CreateFhirClient().GetAsync("ObservationDefinition/heart-rate-thresholds")).ReadAsync<ObservationDefinition>();

        Assert.Equal("Heart rate (clinic's own limits)", after.PreferredReportName);
        Assert.Equal("2", after.Meta!.VersionId);
    }

    [Fact]
    public async Task A_package_resource_stored_by_an_older_package_version_is_replaced_on_restart()
    {
        var thresholds = await (await _client.GetAsync("ObservationDefinition/oxygen-saturation-thresholds")).ReadAsync<ObservationDefinition>();
        var tag = Assert.Single(thresholds.Meta!.Tag, t => t.System == PackageTagSystem);
        tag.Code = "fhir-ketamine#0.0.1";
        thresholds.PreferredReportName = "SpO2 (as an older package had it)";
        using var put = await _client.PutAsync("ObservationDefinition/oxygen-saturation-thresholds", Fhir.Json(thresholds));
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);

        await using var restarted = new FhirServerFactory(factory.Database) { OwnsDatabase = false };
        var after = await (await restarted.CreateFhirClient().GetAsync("ObservationDefinition/oxygen-saturation-thresholds")).ReadAsync<ObservationDefinition>();

        Assert.NotEqual("SpO2 (as an older package had it)", after.PreferredReportName);
        Assert.NotEqual("fhir-ketamine#0.0.1", Assert.Single(after.Meta!.Tag, t => t.System == PackageTagSystem).Code);
        Assert.Equal("3", after.Meta!.VersionId);
    }

    [Fact]
    public async Task A_deleted_package_resource_comes_back_on_restart()
    {
        using var delete = await _client.DeleteAsync("ObservationDefinition/respiratory-rate-thresholds");
        Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);

        await using var restarted = new FhirServerFactory(factory.Database) { OwnsDatabase = false };
        using var after = await restarted.CreateFhirClient().GetAsync("ObservationDefinition/respiratory-rate-thresholds");

        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
    }

    private const string PackageTagSystem = "http://fhir-ketamine.org/fhir/CodeSystem/package";
}
