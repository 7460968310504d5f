using FhirKetamine.Core.Validation;

using Hl7.Fhir.Model;

namespace FhirKetamine.Core.Tests.Validation;

/// <summary>The Bundle and instance rules the server checks around the Firely validator.</summary>
public sealed class BundleAndInstanceRulesTests
{
    [Fact]
    public void Relative_fullUrl_and_a_RESTful_fullUrl_naming_another_resource_are_errors()
    {
        var bundle = new Bundle
        {
            Type = Bundle.BundleType.Collection,
            Entry =
            [
                new() { FullUrl = "Patient/1", Resource = new Patient { Id = "1" } },
                new() { FullUrl = "http://example.org/fhir/Patient/2", Resource = new Patient { Id = "3" } },
                new() { FullUrl = "http://example.org/fhir/Patient/4", Resource = new Patient { Id = "4" } },
                new() { FullUrl = "urn:uuid:0d7f6b0e-1111-4c6a-9a55-000000000001", Resource = new Patient() },
            ],
        };

        var issues = BundleRules.Check(bundle).ToList();

        Assert.Equal(["Bundle.entry[0]", "Bundle.entry[1]"], issues.Select(i => i.Expression.Single()));
        Assert.All(issues, i => Assert.Equal(OperationOutcome.IssueSeverity.Error, i.Severity));
    }

    [Fact]
    public void Transactions_keep_their_own_fullUrl_rules()
    {
        var bundle = new Bundle
        {
            Type = Bundle.BundleType.Transaction,
            Entry = [new() { FullUrl = "Patient/1", Resource = new Patient(), Request = new() { Method = Bundle.HTTPVerb.POST, Url = "Patient" } }],
        };

        Assert.Empty(BundleRules.Check(bundle));
    }

    [Fact]
    public void Searchset_links_once_matches_with_ids_of_the_searched_type_and_outcomes_as_OperationOutcome()
    {
        var bundle = new Bundle
        {
            Type = Bundle.BundleType.Searchset,
            Link = [new() { Relation = "self", Url = "http://x/Patient?name=a" }, new() { Relation = "self", Url = "http://x/Patient?name=a" }],
            Entry =
            [
                new() { FullUrl = "http://x/Patient/1", Resource = new Patient { Id = "1" }, Search = new() { Mode = Bundle.SearchEntryMode.Match } },
                new() { FullUrl = "urn:uuid:0d7f6b0e-1111-4c6a-9a55-000000000002", Resource = new Observation(), Search = new() { Mode = Bundle.SearchEntryMode.Match } },
                new() { FullUrl = "urn:uuid:0d7f6b0e-1111-4c6a-9a55-000000000003", Resource = new Patient(), Search = new() { Mode = Bundle.SearchEntryMode.Outcome } },
            ],
        };

        var issues = BundleRules.Check(bundle).Select(i => i.Expression.Single()).ToList();

        Assert.Equal(["Bundle.link[1]", "Bundle.entry[1].resource", "Bundle.entry[1].resource", "Bundle.entry[2].resource"], issues);
    }

    [Fact]
    public void Relative_extension_url_and_urn_narrative_link_are_errors_but_complex_extension_parts_and_http_links_are_not()
    {
        var patient = new Patient
        {
            Text = new Narrative
            {
                Status = Narrative.NarrativeStatus.Generated,
                Div = "<div xmlns=\"http://www.w3.org/1999/xhtml\"><a href=\"urn:uuid:1\">x</a> <a href=\"https://example.org\">y</a> <a href=\"#z\">z</a><a name=\"z\"> </a></div>",
            },
            Extension =
            [
                new Extension { Url = "relative" },
                new Extension { Url = "http://example.org/complex", Extension = [new Extension { Url = "part", Value = new FhirBoolean(true) }] },
            ],
        };

        var issues = InstanceRules.Check(patient).Select(i => i.Expression.Single()).ToList();

        Assert.Equal(["Patient.extension[0]", "Patient.text.div"], issues.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void A_Coding_system_is_an_absolute_code_system_URI_not_a_local_reference_or_a_value_set()
    {
        var observation = new Observation
        {
            Code = new CodeableConcept
            {
                Coding =
                [
                    new Coding("Location!", "x"),
                    new Coding("http://hl7.org/fhir/ValueSet/measure-type", "structure"),
                    new Coding("http://loinc.org", "8867-4"),
                    new Coding("urn:oid:2.16.840.1.113883.6.1", "8867-4"),
                ],
            },
        };

        var issues = InstanceRules.Check(observation, url => url == "http://hl7.org/fhir/ValueSet/measure-type").ToList();

        Assert.Equal(["Observation.code.coding[0].system", "Observation.code.coding[1].system"], issues.Select(i => i.Expression.Single()));
        Assert.Single(InstanceRules.Check(observation)); // without the ValueSet lookup only the relative system is found
    }

    [Fact]
    public void A_narrative_fragment_link_must_find_an_id_in_the_resource_or_its_Bundle_and_one_problem_is_reported_once_per_place()
    {
        var patient = new Patient
        {
            Id = "p",
            Text = new Narrative
            {
                Status = Narrative.NarrativeStatus.Generated,
                Div = "<div xmlns=\"http://www.w3.org/1999/xhtml\"><p><a name=\"here\"> </a><a href=\"#here\">ok</a> <a href=\"#p\">id</a> <a href=\"#in-bundle\">bundle</a> "
                    + "<a href=\"#nowhere\">gone</a> <a href=\"urn:uuid:1\">x</a> <a href=\"urn:uuid:1\">x</a></p></div>",
            },
        };
        var bundle = new Bundle
        {
            Type = Bundle.BundleType.Collection,
            Entry =
            [
                new() { FullUrl = "http://example.org/fhir/Patient/p", Resource = patient },
                new() { FullUrl = "http://example.org/fhir/Observation/o", Resource = new Observation { Id = "o", Code = new CodeableConcept { ElementId = "in-bundle", Text = "c" } } },
            ],
        };

        var alone = InstanceRules.Check(patient).Select(i => i.Diagnostics).ToList();
        var bundled = InstanceRules.Check(bundle).Select(i => i.Diagnostics).ToList();

        Assert.Equal(3, alone.Count); // #in-bundle and #nowhere do not resolve; the urn link twice at the same place is one issue
        Assert.Contains(alone, d => d!.Contains("'#in-bundle'", StringComparison.Ordinal));
        Assert.Equal(2, bundled.Count);
        Assert.Contains(bundled, d => d!.Contains("'#nowhere'", StringComparison.Ordinal));
    }

    [Fact]
    public void An_Attachment_size_and_hash_must_be_those_of_its_data()
    {
        var data = "help i'm a bug"u8.ToArray();
        var media = new Media
        {
            Status = EventStatus.Completed,
            Content = new Attachment { ContentType = "application/octet-stream", Data = data, SizeUnsignedInt = 100, Hash = new byte[20] },
        };
        var good = new Media
        {
            Status = EventStatus.Completed,
            Content = new Attachment { ContentType = "application/octet-stream", Data = data, SizeUnsignedInt = data.Length, Hash = System.Security.Cryptography.SHA1.HashData(data) },
        };

        // Not base64 at all: nothing to compare with (the validator reports the data itself), and no exception.
        var garbled = new Media { Status = EventStatus.Completed, Content = new Attachment { DataElement = new Base64Binary { JsonValue = "not...base64" }, SizeUnsignedInt = 3 } };

        Assert.Equal(["Media.content.size", "Media.content.hash"], InstanceRules.Check(media).Select(i => i.Expression.Single()));
        Assert.Empty(InstanceRules.Check(good));
        Assert.Empty(InstanceRules.Check(garbled));
    }

    [Fact]
    public void Element_ids_are_unique_within_each_resource_but_may_repeat_across_resources()
    {
        var patient = new Patient
        {
            Id = "1",
            Name = [new HumanName { ElementId = "2", Family = "a" }, new HumanName { ElementId = "2", Family = "b" }],
            Telecom = [new ContactPoint { ElementId = "1", Value = "x" }], // the resource id is not an element id
        };
        var bundle = new Bundle
        {
            Type = Bundle.BundleType.Collection,
            Entry =
            [
                new() { ElementId = "e", FullUrl = "http://example.org/fhir/Patient/1", Resource = patient },
                new() { ElementId = "e", FullUrl = "http://example.org/fhir/Patient/3", Resource = new Patient { Id = "3", Name = [new HumanName { ElementId = "2", Family = "c" }] } },
            ],
        };

        var profile = new StructureDefinition
        {
            Differential = new() { Element = [new ElementDefinition("Patient.name") { ElementId = "Patient.name" }] },
            Snapshot = new() { Element = [new ElementDefinition("Patient.name") { ElementId = "Patient.name" }] },
        };

        Assert.Equal(["Patient.name[1]"], InstanceRules.Check(patient).Select(i => i.Expression.Single()));
        Assert.Empty(InstanceRules.Check(profile));
        Assert.Equal(["Bundle.entry[0].resource.name[1]", "Bundle.entry[1]"], InstanceRules.Check(bundle).Select(i => i.Expression.Single()).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Resource_id_has_no_extensions_but_other_primitives_may()
    {
        var patient = new Patient { IdElement = new Id("p1") };
        patient.IdElement.Extension.Add(new Extension("http://hl7.org/fhir/StructureDefinition/data-absent-reason", new Code("masked")));
        var good = new Patient { Id = "p1", BirthDateElement = new Date("1970") };
        good.BirthDateElement.Extension.Add(new Extension("http://hl7.org/fhir/StructureDefinition/data-absent-reason", new Code("masked")));
        var bundle = new Bundle { Type = Bundle.BundleType.Collection, Entry = [new() { FullUrl = "http://example.org/fhir/Patient/p1", Resource = patient }] };

        Assert.Equal(["Patient.id"], InstanceRules.Check(patient).Select(i => i.Expression.Single()));
        Assert.Equal(["Bundle.entry[0].resource.id"], InstanceRules.Check(bundle).Select(i => i.Expression.Single()));
        Assert.Empty(InstanceRules.Check(good));
    }

    [Fact]
    public void A_list_item_that_is_nothing_at_all_is_reported_and_dropped()
    {
        // What JSON's parallel arrays can parse into: "given": ["a"], "_given": [{"id": "x"}, null].
        var name = new HumanName();
        name.GivenElement.Add(new FhirString("a") { ElementId = "x" });
        name.GivenElement.Add(null!);
        var patient = new Patient { Name = [name] };

        Assert.Equal(["Patient.name[0].given"], InstanceRules.Check(patient).Select(i => i.Expression.Single()));
        Assert.Equal(["a"], patient.Name[0].Given);
        Assert.Empty(InstanceRules.Check(patient));
    }

    [Fact]
    public void A_type_profile_must_be_a_profile_of_the_element_s_type()
    {
        static StructureDefinition Profiling(string code, string profile) => new()
        {
            Type = "Observation",
            Differential = new()
            {
                Element = [new ElementDefinition("Observation.valueQuantity") { Type = [new() { Code = code, Profile = [profile] }] }],
            },
        };
        var types = new Dictionary<string, string>
        {
            ["http://hl7.org/fhir/StructureDefinition/Count"] = "Count",
            ["http://hl7.org/fhir/StructureDefinition/SimpleQuantity"] = "Quantity",
            ["http://example.org/fhir/StructureDefinition/my-patient"] = "Patient",
        };
        string? TypeOf(string url) => types.GetValueOrDefault(url);

        Assert.Equal(["StructureDefinition.differential.element[0].type[0].profile[0]"],
            StructureDefinitionRules.Check(Profiling("Quantity", "http://hl7.org/fhir/StructureDefinition/Count"), TypeOf).Select(i => i.Expression.Single()));
        Assert.Empty(StructureDefinitionRules.Check(Profiling("Quantity", "http://hl7.org/fhir/StructureDefinition/SimpleQuantity"), TypeOf));
        Assert.Empty(StructureDefinitionRules.Check(Profiling("Resource", "http://example.org/fhir/StructureDefinition/my-patient"), TypeOf));
        Assert.Empty(StructureDefinitionRules.Check(Profiling("Quantity", "http://example.org/fhir/StructureDefinition/unknown"), TypeOf));
    }

    [Fact]
    public void A_fixed_value_must_equal_the_one_the_base_fixes()
    {
        const string baseUrl = "http://example.org/fhir/StructureDefinition/ext-base";
        static StructureDefinition Extension(string url, string baseDefinition) => new()
        {
            Url = url,
            Type = "Extension",
            BaseDefinition = baseDefinition,
            Derivation = StructureDefinition.TypeDerivationRule.Constraint,
            Differential = new()
            {
                Element =
                [
                    new ElementDefinition("Extension") { ElementId = "Extension" },
                    new ElementDefinition("Extension.url") { ElementId = "Extension.url", Fixed = new FhirUri(url) },
                    new ElementDefinition("Extension.value[x]") { ElementId = "Extension.value[x]", Type = [new() { Code = "string" }] },
                ],
            },
        };
        var baseExtension = Extension(baseUrl, "http://hl7.org/fhir/StructureDefinition/Extension");
        StructureDefinition? BaseOf(string url) => url == baseUrl ? baseExtension : null;

        // A derived extension with a url of its own: the base's url is fixed, so nothing conforms to both.
        var derived = Extension("http://example.org/fhir/StructureDefinition/ext-derived", baseUrl);
        Assert.Equal(["StructureDefinition.differential.element[1]"], StructureDefinitionRules.CheckFixedValues(derived, BaseOf).Select(i => i.Expression.Single()));

        // One that narrows the value and keeps the base's url conforms.
        var narrowing = Extension(baseUrl, baseUrl);
        narrowing.Url = "http://example.org/fhir/StructureDefinition/ext-narrowing";
        Assert.Empty(StructureDefinitionRules.CheckFixedValues(narrowing, BaseOf));
        Assert.Empty(StructureDefinitionRules.CheckFixedValues(baseExtension, BaseOf));
    }
}
