using FhirKetamine.Core.Search;

namespace FhirKetamine.Core.Tests.Search;

public sealed class TokenValueTests
{
    [Theory]
    [InlineData("8867-4", null, "8867-4")] // any system
    [InlineData("http://loinc.org|8867-4", "http://loinc.org", "8867-4")]
    [InlineData("|8867-4", "", "8867-4")] // no system
    [InlineData("http://loinc.org|", "http://loinc.org", null)] // any code of the system
    [InlineData("urn:oid:1.2|a|b", "urn:oid:1.2", "a|b")] // only the first bar separates
    public void Every_form_of_a_token_value_splits_as_the_spec_reads_it(string value, string? system, string? code) =>
        Assert.Equal(new TokenValue(system, code), TokenValue.Parse(value));
}
