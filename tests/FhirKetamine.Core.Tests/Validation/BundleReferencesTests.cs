using FhirKetamine.Core.Validation;

using Hl7.Fhir.Model;

namespace FhirKetamine.Core.Tests.Validation;

/// <summary>References inside document and message Bundles (bundle.html#references), and that other Bundle types are left alone.</summary>
public sealed class BundleReferencesTests
{
    private const string Uuid1 = "urn:uuid:0d7f6b0e-2222-4c6a-9a55-000000000001";
    private const string Uuid2 = "urn:uuid:0d7f6b0e-2222-4c6a-9a55-000000000002";
    private const string Uuid3 = "urn:uuid:0d7f6b0e-2222-4c6a-9a55-000000000003";

    [Fact]
    public void A_document_whose_references_resolve_by_fullUrl_has_no_issues()
    {
        var bundle = Document(
            new() { FullUrl = "http://example.org/fhir/Composition/c", Resource = Composition("Patient/p", "Practitioner/a") },
            new() { FullUrl = "http://example.org/fhir/Patient/p", Resource = new Patient { Id = "p" } },
            new() { FullUrl = "http://example.org/fhir/Practitioner/a", Resource = new Practitioner { Id = "a" } },
            new() { FullUrl = Uuid1, Resource = new Observation { Subject = new ResourceReference("http://example.org/fhir/Patient/p") } });

        Assert.Empty(BundleRules.Check(bundle));
    }

    [Fact]
    public void A_relative_reference_from_a_urn_entry_that_only_matches_type_and_id_is_an_error_and_leaves_its_targets_unreachable()
    {
        var composition = Composition("Patient/123", Uuid3);
        var bundle = Document(
            new() { FullUrl = "urn:uuid:0d7f6b0e-2222-4c6a-9a55-000000000009", Resource = composition },
            new() { FullUrl = Uuid1, Resource = new Patient { Id = "123" } },
            new() { FullUrl = Uuid2, Resource = new Patient { Id = "123" } },
            new() { FullUrl = Uuid3, Resource = new Practitioner { Id = "a" } });

        var issues = BundleRules.Check(bundle).ToList();

        Assert.Equal(["Bundle.entry[0].resource.subject", "Bundle.entry[1]", "Bundle.entry[2]"], issues.Select(i => i.Expression.Single()));
        Assert.All(issues, i => Assert.Equal(OperationOutcome.IssueSeverity.Error, i.Severity));
        Assert.Contains("the 2 entries with that type and id", issues[0].Diagnostics, StringComparison.Ordinal);
    }

    [Fact]
    public void What_the_Composition_references_must_be_in_the_document_and_a_duplicated_fullUrl_is_ambiguous()
    {
        var composition = Composition("http://example.org/fhir/Patient/elsewhere", Uuid1);
        composition.Section = [new() { Title = "s", Entry = [new ResourceReference(Uuid2)] }];
        var bundle = Document(
            new() { FullUrl = "urn:uuid:0d7f6b0e-2222-4c6a-9a55-000000000009", Resource = composition },
            new() { FullUrl = Uuid1, Resource = new Practitioner() },
            new() { FullUrl = Uuid2, Resource = new Observation() },
            new() { FullUrl = Uuid2, Resource = new Observation() });

        var issues = BundleRules.Check(bundle).ToList();

        Assert.Equal(["Bundle.entry[0].resource.subject", "Bundle.entry[0].resource.section[0].entry[0]", "Bundle.entry[2]", "Bundle.entry[3]"], issues.Select(i => i.Expression.Single()));
        Assert.StartsWith("Can't find 'http://example.org/fhir/Patient/elsewhere'", issues[0].Diagnostics, StringComparison.Ordinal);
        Assert.StartsWith($"Found 2 matches for '{Uuid2}'", issues[1].Diagnostics, StringComparison.Ordinal);
    }

    [Fact]
    public void An_entry_that_references_the_Composition_is_reachable_and_a_stylesheet_must_name_an_entry()
    {
        var bundle = Document(
            new() { FullUrl = "http://example.org/fhir/Composition/c", Resource = Composition(null, null) },
            new() { FullUrl = "http://example.org/fhir/Provenance/v", Resource = new Provenance { Id = "v", Target = [new ResourceReference("Composition/c")] } },
            new() { FullUrl = "http://example.org/fhir/Binary/css", Resource = new Binary { Id = "css", ContentType = "text/css" } },
            new() { FullUrl = "http://example.org/fhir/Binary/other", Resource = new Binary { Id = "other", ContentType = "text/css" } });
        bundle.Link = [new() { Relation = "stylesheet", Url = "Binary/css" }, new() { Relation = "stylesheet", Url = "Binary/missing" }];

        var issues = BundleRules.Check(bundle).ToList();

        Assert.Equal(["Bundle.link[1].url", "Bundle.entry[3]"], issues.Select(i => i.Expression.Single()));
    }

    [Fact]
    public void A_message_focus_must_be_in_the_Bundle_and_an_unlinked_entry_is_only_a_warning()
    {
        var bundle = new Bundle
        {
            Type = Bundle.BundleType.Message,
            Entry =
            [
                new() { FullUrl = Uuid1, Resource = new MessageHeader { Focus = [new ResourceReference(Uuid2)], Source = new() { Endpoint = "http://example.org/in" } } },
                new() { FullUrl = Uuid3, Resource = new Patient() },
            ],
        };

        var issues = BundleRules.Check(bundle).ToList();

        Assert.Equal(["Bundle.entry[0].resource.focus[0]", "Bundle.entry[1]"], issues.Select(i => i.Expression.Single()));
        Assert.Equal([OperationOutcome.IssueSeverity.Error, OperationOutcome.IssueSeverity.Warning], issues.Select(i => i.Severity!.Value));
    }

    [Fact]
    public void Transactions_and_collections_may_reference_what_is_not_in_the_Bundle()
    {
        // A device gateway's transaction: PUT entries without fullUrl, references to resources already on the server.
        var transaction = new Bundle
        {
            Type = Bundle.BundleType.Transaction,
            Entry =
            [
                new() { Resource = new Observation { Id = "o1", Subject = new ResourceReference("Patient/123"), Device = new ResourceReference("Device/9") }, Request = new() { Method = Bundle.HTTPVerb.PUT, Url = "Observation/o1" } },
                new() { FullUrl = Uuid1, Resource = new Observation { Subject = new ResourceReference("Patient/123"), HasMember = [new ResourceReference(Uuid2)] }, Request = new() { Method = Bundle.HTTPVerb.POST, Url = "Observation" } },
                new() { FullUrl = Uuid2, Resource = new Observation { Subject = new ResourceReference("Patient/123") }, Request = new() { Method = Bundle.HTTPVerb.POST, Url = "Observation" } },
            ],
        };

        // Two entries with the type and id a relative reference names, neither at its base: not resolved, not an error outside documents and messages.
        var collection = new Bundle
        {
            Type = Bundle.BundleType.Collection,
            Entry =
            [
                new() { FullUrl = "http://a.example/base/Composition/1", Resource = new Composition { Id = "1", Subject = new ResourceReference("Patient/1") } },
                new() { FullUrl = "http://a.example/one/Patient/1", Resource = new Patient { Id = "1" } },
                new() { FullUrl = "http://a.example/two/Patient/1", Resource = new Patient { Id = "1" } },
            ],
        };

        Assert.Empty(BundleRules.Check(transaction));
        Assert.Empty(BundleRules.Check(collection));
    }

    private static Bundle Document(params Bundle.EntryComponent[] entries) => new() { Type = Bundle.BundleType.Document, Entry = [.. entries] };

    private static Composition Composition(string? subject, string? author) => new()
    {
        Id = "c",
        Status = CompositionStatus.Final,
        Type = new CodeableConcept("http://loinc.org", "60591-5"),
        Title = "t",
        Subject = subject is null ? null : new ResourceReference(subject),
        Author = author is null ? [] : [new ResourceReference(author)],
    };
}
