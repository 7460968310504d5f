using System.Net;

using FhirKetamine.Core.Rest;
using FhirKetamine.Core.Terminology;

using Hl7.Fhir.Model;

namespace FhirKetamine.Core.Tests.Terminology;

public sealed class OperationArgumentsTests
{
    [Fact]
    public void Query_and_body_are_read_as_their_declared_types()
    {
        var body = new Parameters();
        body.Add("valueSet", new ValueSet { Url = "http://example.org/vs", Status = PublicationStatus.Draft });
        body.Add("count", new Integer(20));

        var args = OperationArguments.Read(TerminologyParameters.Expand, [Pair("filter", "heart rate"), Pair("offset", "40"), Pair("_format", "xml")], body);

        Assert.Equal("heart rate", args.String("filter"));
        Assert.Equal(40, args.Integer("offset"));
        Assert.Equal(20, args.Integer("count"));
        Assert.Equal("http://example.org/vs", args.Resource<ValueSet>("valueSet")?.Url);
        Assert.False(args.Has("_format"));
    }

    [Fact]
    public void Lookup_properties_may_repeat()
    {
        var args = OperationArguments.Read(TerminologyParameters.Lookup, [Pair("system", "http://x"), Pair("code", "a"), Pair("property", "parent"), Pair("property", "child")], null);

        Assert.Equal(["parent", "child"], args.Strings("property"));
    }

    [Theory]
    [InlineData("count", "ten", "whole number")]
    [InlineData("count", "-5", "whole number")]
    [InlineData("displayLanguage", "fr", "does not take a parameter 'displayLanguage'")]
    [InlineData("valueSet", "{}", "Parameters body with POST")]
    [InlineData("filter", "", "is empty")]
    public void A_bad_query_parameter_is_a_400_naming_it(string name, string value, string expected)
    {
        var error = Assert.Throws<FhirException>(() => OperationArguments.Read(TerminologyParameters.Expand, [Pair(name, value)], null));

        Assert.Equal(HttpStatusCode.BadRequest, error.Status);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.Equal(name, error.Outcome.Issue[0].Expression.Single());
    }

    [Fact]
    public void A_single_valued_parameter_given_twice_or_a_resource_of_the_wrong_type_is_a_400()
    {
        var twice = Assert.Throws<FhirException>(() =>
            OperationArguments.Read(TerminologyParameters.Expand, [Pair("url", "http://a")], new Parameters { { "url", new FhirUri("http://b") } }));
        var wrongType = new Parameters();
        wrongType.Add("codeSystem", new ValueSet());
        var wrong = Assert.Throws<FhirException>(() => OperationArguments.Read(TerminologyParameters.CodeSystemValidateCode, [], wrongType));

        Assert.Contains("may be given once", twice.Message, StringComparison.Ordinal);
        Assert.Contains("must carry a CodeSystem", wrong.Message, StringComparison.Ordinal);
    }

    private static KeyValuePair<string, string> Pair(string name, string value) => new(name, value);
}
