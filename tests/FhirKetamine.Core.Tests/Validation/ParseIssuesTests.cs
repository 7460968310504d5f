using System.Text;

using FhirKetamine.Core.Rest;

using Hl7.Fhir.Model;

namespace FhirKetamine.Core.Tests.Validation;

/// <summary>What the parser's refusal (400) says about an XML body.</summary>
public sealed class ParseIssuesTests
{
    [Fact]
    public void An_unknown_XML_element_is_one_issue_at_its_path_not_one_more_per_element_inside_it()
    {
        const string xml = """
            <Patient xmlns="http://hl7.org/fhir">
              <identifier><system value="urn:x"/><value value="1"/></identifier>
              <nickname><given value="Bob"/></nickname>
            </Patient>
            """;

        var refused = Assert.Throws<FhirException>(() => new FhirSerialization().ParseXml(Encoding.UTF8.GetBytes(xml)));

        var issue = Assert.Single(refused.Outcome.Issue);
        Assert.Equal(["Patient.nickname"], issue.Expression);
        Assert.Equal(OperationOutcome.IssueSeverity.Error, issue.Severity);
    }
}

/// <summary>
/// <c>urn:oid:</c> in a <c>uri</c> or <c>canonical</c>: R4 gives those types the regex <c>\S*</c> and only <c>oid</c> the
/// OID syntax (<c>urn:oid:[0-2](\.(0|[1-9][0-9]*))+</c>), so a conformance resource's url <c>urn:oid:</c> followed by
/// something that is not an OID is parsed (the HL7 validator accepts it too); an <c>oid</c> element still must be an OID,
/// and a uri with whitespace is still refused.
/// </summary>
public sealed class UrnOidUriTests
{
    private static Resource Parse(string json) => new FhirSerialization().ParseJson(Encoding.UTF8.GetBytes(json));

    [Theory]
    [InlineData("json")]
    [InlineData("xml")]
    public void A_uri_or_canonical_starting_with_urn_oid_that_is_not_an_OID_is_parsed(string format)
    {
        var serialization = new FhirSerialization();
        var body = format == "json"
            ? """{"resourceType":"StructureDefinition","url":"urn:oid:29a8b2a7-070f-4383-af2c-bdea61d358c9","name":"A","status":"draft","kind":"resource","abstract":false,"type":"Patient","baseDefinition":"urn:oid:568584c9-6f10-4f80-8658-be04bb64a698"}"""
            : """<StructureDefinition xmlns="http://hl7.org/fhir"><url value="urn:oid:29a8b2a7-070f-4383-af2c-bdea61d358c9"/><name value="A"/><status value="draft"/><kind value="resource"/><abstract value="false"/><type value="Patient"/><baseDefinition value="urn:oid:568584c9-6f10-4f80-8658-be04bb64a698"/></StructureDefinition>""";

        var sd = Assert.IsType<StructureDefinition>(serialization.Parse(Encoding.UTF8.GetBytes(body), format == "json" ? FhirFormat.Json : FhirFormat.Xml));

        Assert.Equal("urn:oid:29a8b2a7-070f-4383-af2c-bdea61d358c9", sd.Url);
        Assert.Equal("urn:oid:568584c9-6f10-4f80-8658-be04bb64a698", sd.BaseDefinition);
    }

    [Fact]
    public void An_oid_element_must_still_be_an_OID_and_a_uri_must_still_have_no_whitespace()
    {
        // ValueSet.compose.include.system is a uri; Identifier.system a uri; an extension's valueOid an oid.
        var oid = Assert.Throws<FhirException>(() => Parse("""{"resourceType":"Patient","extension":[{"url":"http://example.org/x","valueOid":"urn:oid:29a8b2a7-070f-4383"}]}"""));
        var spaced = Assert.Throws<FhirException>(() => Parse("""{"resourceType":"Patient","identifier":[{"system":"urn:oid:1.2 3","value":"1"}]}"""));
        var uuid = Assert.Throws<FhirException>(() => Parse("""{"resourceType":"Patient","identifier":[{"system":"urn:uuid:not-a-uuid","value":"1"}]}"""));

        Assert.Contains(oid.Outcome.Issue, i => i.Severity == OperationOutcome.IssueSeverity.Error);
        Assert.Contains(spaced.Outcome.Issue, i => i.Severity == OperationOutcome.IssueSeverity.Error);
        Assert.Contains(uuid.Outcome.Issue, i => i.Severity == OperationOutcome.IssueSeverity.Error);
        Assert.Equal("urn:oid:1.2.3", ((Patient)Parse("""{"resourceType":"Patient","identifier":[{"system":"urn:oid:1.2.3","value":"1"}]}""")).Identifier[0].System);
    }
}
