using FhirKetamine.Core.Rest;
using Hl7.Fhir.Model;

namespace FhirKetamine.Core.Tests.Rest;

/// <summary>
/// A search Bundle written around its entries' stored JSON is the same text as the Bundle with every resource parsed
/// into a POCO and serialised again (how search Bundles were written before).
/// </summary>
public sealed class StoredBundleJsonTests
{
    private readonly FhirSerialization fhir = new();

    [Fact]
    public void A_mixed_page_with_stored_resources_is_written_as_the_parsed_bundle_would_be()
    {
        var observation = new Observation
        {
            Id = "obs-1",
            Meta = new Meta { VersionId = "2", LastUpdated = new DateTimeOffset(2026, 3, 1, 10, 0, 0, 123, TimeSpan.Zero) },
            Status = ObservationStatus.Final,
            Code = new CodeableConcept("http://loinc.org", "8867-4", "Heart rate \"résumé\" <b> & ✓"),
            Subject = new ResourceReference("Patient/p-1"),
            Effective = new FhirDateTime("2026-03-01T10:00:00+01:00"),
            Value = new Quantity(72.50m, "/min", "http://unitsofmeasure.org"),
            Extension = [new Extension("http://example.org/x", new FhirBoolean(true))],
        };
        var patient = new Patient { Id = "p-1", Name = [new HumanName { Family = "Ødegård", Given = ["Zoë"] }], BirthDate = "1970" };
        var second = new Observation { Id = "obs-2", Status = ObservationStatus.Amended, Code = new CodeableConcept("http://loinc.org", "8310-5"), Subject = new ResourceReference("Patient/p-1") };
        var outcome = Outcomes.Issue(OperationOutcome.IssueSeverity.Warning, OperationOutcome.IssueType.NotSupported, "Ignored unknown search parameters: foo.", null);

        static Bundle Shell() => new()
        {
            Type = Bundle.BundleType.Searchset,
            Total = 3,
            Meta = new Meta { LastUpdated = new DateTimeOffset(2026, 12, 7, 3, 4, 5, 678, TimeSpan.Zero) },
            Link =
            [
                new Bundle.LinkComponent { Relation = "self", Url = "http://x/fhir/Observation?patient=p-1&code=http%3A%2F%2Floinc.org%7C8867-4&_cursor=eyJ" },
                new Bundle.LinkComponent { Relation = "next", Url = "http://x/fhir/Observation?name=Ødegård&_snapshot=42" },
            ],
        };
        var stored = new[] { fhir.ToJson(observation), fhir.ToJson(second), fhir.ToJson(patient), null };
        var modes = new[] { Bundle.SearchEntryMode.Match, Bundle.SearchEntryMode.Match, Bundle.SearchEntryMode.Include };

        var shell = Shell();
        var parsed = Shell();
        for (var i = 0; i < modes.Length; i++)
        {
            var url = $"http://x/fhir/{(i == 2 ? "Patient" : "Observation")}/{(i == 2 ? "p-1" : $"obs-{i + 1}")}";
            shell.Entry.Add(new Bundle.EntryComponent { FullUrl = url, Search = new Bundle.SearchComponent { Mode = modes[i] } });
            parsed.Entry.Add(new Bundle.EntryComponent { FullUrl = url, Resource = fhir.ParseStored(stored[i]!), Search = new Bundle.SearchComponent { Mode = modes[i] } });
        }

        foreach (var bundle in new[] { shell, parsed })
        {
            bundle.Entry.Add(new Bundle.EntryComponent { Resource = outcome, Search = new Bundle.SearchComponent { Mode = Bundle.SearchEntryMode.Outcome } });
        }

        Assert.Equal(fhir.ToJson(parsed), fhir.ToJson(shell, stored));
    }

    [Fact]
    public void An_empty_page_is_written_as_the_parsed_bundle_would_be()
    {
        var bundle = new Bundle { Type = Bundle.BundleType.Searchset, Total = 0, Meta = new Meta { LastUpdated = DateTimeOffset.UnixEpoch } };
        bundle.Link.Add(new Bundle.LinkComponent { Relation = "self", Url = "http://x/fhir/Patient?name=none" });

        Assert.Equal(fhir.ToJson(bundle), fhir.ToJson(bundle, []));
    }

    [Fact]
    public void An_entry_with_a_stored_resource_and_a_POCO_is_refused()
    {
        var bundle = new Bundle { Type = Bundle.BundleType.Searchset };
        bundle.Entry.Add(new Bundle.EntryComponent { Resource = new Patient(), Search = new Bundle.SearchComponent { Mode = Bundle.SearchEntryMode.Match } });

        Assert.Throws<ArgumentException>(() => fhir.ToJson(bundle, ["{\"resourceType\":\"Patient\"}"]));
    }
}
