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
