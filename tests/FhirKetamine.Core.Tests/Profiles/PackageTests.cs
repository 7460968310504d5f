// Firely's POCOs are nullable throughout; these tests walk known-good shapes, where a null is itself a failure.
#nullable disable warnings

using System.Text.Json;

using Hl7.Fhir.Model;

namespace FhirKetamine.Core.Tests.Profiles;

/// <summary>The compiled package is a complete FHIR NPM package that other tools can load.</summary>
[Collection(ProfileValidatorCollection.Name)]
public sealed class PackageTests(ProfileValidatorFixture fixture)
{
    private const string Canonical = "http://fhir-ketamine.org/fhir";

    [Fact]
    public void Package_manifest_names_the_IG_its_FHIR_version_and_the_core_dependency()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(fixture.PackageDirectory, "package.json")));
        var root = doc.RootElement;

        Assert.Equal("fhir-ketamine", root.GetProperty("name").GetString());
        Assert.False(string.IsNullOrEmpty(root.GetProperty("version").GetString()));
        Assert.Equal(["4.0.1"], root.GetProperty("fhirVersions").EnumerateArray().Select(v => v.GetString()));
        Assert.Equal("4.0.1", root.GetProperty("dependencies").GetProperty("hl7.fhir.r4.core").GetString());
        Assert.Equal(Canonical, root.GetProperty("canonical").GetString());
        Assert.Equal("IG", root.GetProperty("type").GetString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("example")]
    public void Index_lists_exactly_the_resources_of_its_folder(string folder)
    {
        var directory = Path.Combine(fixture.PackageDirectory, folder);
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(directory, ".index.json")));
        Assert.Equal(1, doc.RootElement.GetProperty("index-version").GetInt32());
        var indexed = doc.RootElement.GetProperty("files").EnumerateArray().ToList();

        var onDisk = IgFiles.LoadResources(directory);
        Assert.Equal(onDisk.Keys.Order(StringComparer.Ordinal), indexed.Select(f => f.GetProperty("filename").GetString()));
        Assert.All(indexed, entry =>
        {
            var resource = onDisk[entry.GetProperty("filename").GetString()!];
            Assert.Equal(resource.TypeName, entry.GetProperty("resourceType").GetString());
            Assert.Equal(resource.Id, entry.GetProperty("id").GetString());
            if (resource is IVersionableConformanceResource canonical)
            {
                Assert.Equal(canonical.Url, entry.GetProperty("url").GetString());
                Assert.Equal(canonical.Version, entry.GetProperty("version").GetString());
            }
        });
    }

    [Fact]
    public void Every_conformance_resource_has_its_canonical_url_under_the_IG_base_and_status_draft_or_active()
    {
        Assert.All(fixture.PackageResources.Values.OfType<IVersionableConformanceResource>(), r =>
        {
            var resource = (Resource)r;
            Assert.Equal($"{Canonical}/{resource.TypeName}/{resource.Id}", r.Url);
            Assert.Equal("0.1.0", r.Version);
            Assert.Contains(r.Status, new PublicationStatus?[] { PublicationStatus.Draft, PublicationStatus.Active });
        });
    }

    [Fact]
    public void Every_StructureDefinition_ships_with_a_snapshot()
    {
        Assert.All(fixture.PackageResources.Values.OfType<StructureDefinition>(),
            sd => Assert.True(sd.Snapshot?.Element.Count > 0, $"{sd.Url} has no snapshot"));
    }

    [Fact]
    public void Package_has_the_content_the_IG_promises()
    {
        var resources = fixture.PackageResources.Values.ToList();
        string[] profiles =
        [
            "ketamine-session-encounter", "ketamine-infusion-procedure", "ketamine-medication-administration",
            "ketamine-heartrate", "ketamine-bp", "ketamine-oxygensat", "ketamine-resprate", "ketamine-bodytemp",
            "ketamine-bodyweight", "ketamine-etco2", "ketamine-dissociation-score", "ketamine-sedation-score",
            "ketamine-recovery-score", "phq9-total", "gad7-total", "ketamine-indication", "ketamine-treatment-plan",
            "ketamine-episode", "ketamine-questionnaire", "ketamine-questionnaire-response",
            "infusion-number", "dose-per-kg", "infusion-phase", "treatment-phase", "failed-antidepressant-trials",
            "applies-when",
        ];
        var sds = resources.OfType<StructureDefinition>().Select(sd => sd.Id).ToHashSet();
        Assert.All(profiles, p => Assert.Contains(p, sds));
        Assert.Equal(["discharge-checklist", "gad7", "pcl5", "phq9", "pre-infusion-checklist"],
            resources.OfType<Questionnaire>().Select(q => q.Id).Order(StringComparer.Ordinal));
        Assert.Contains(resources.OfType<OperationDefinition>(), o => o.Code == "ketamine-progress");
        Assert.NotEmpty(resources.OfType<SearchParameter>());
        Assert.NotEmpty(resources.OfType<ObservationDefinition>());
        Assert.Single(resources.OfType<CapabilityStatement>());
        Assert.Single(resources.OfType<ImplementationGuide>());
    }

    [Fact]
    public void Custom_search_parameters_point_at_IG_extensions_that_exist()
    {
        var extensionUrls = fixture.PackageResources.Values.OfType<StructureDefinition>()
            .Where(sd => sd.Type == "Extension").Select(sd => sd.Url).ToList();

        Assert.All(fixture.PackageResources.Values.OfType<SearchParameter>()
                .Where(sp => sp.Expression.Contains(".extension(", StringComparison.Ordinal)),
            sp => Assert.Contains(extensionUrls, url => sp.Expression.Contains($"'{url}'", StringComparison.Ordinal)));
    }

    [Fact]
    public void Safety_thresholds_are_ObservationDefinitions_keyed_by_safety_rule_ids()
    {
        var rules = fixture.PackageResources.Values.OfType<CodeSystem>().Single(cs => cs.Id == "ketamine-safety")
            .Concept.Select(c => c.Code).ToHashSet();
        var intervals = fixture.PackageResources.Values.OfType<ObservationDefinition>()
            .SelectMany(od => od.QualifiedInterval).ToList();

        Assert.All(intervals, i => Assert.Contains(i.Condition, rules));
        Assert.Contains(intervals, i => i.Condition == "bp-contra" && i.Range.Low.Value == 180);
        Assert.Contains(intervals, i => i.Condition == "spo2-low" && i.Range.High.Value == 89);
    }
}