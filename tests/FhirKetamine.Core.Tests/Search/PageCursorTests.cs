using FhirKetamine.Core.Rest;
using FhirKetamine.Core.Search;

namespace FhirKetamine.Core.Tests.Search;

public sealed class PageCursorTests
{
    [Fact]
    public void A_cursor_survives_its_round_trip_through_a_link_unchanged()
    {
        var cursor = new PageCursor(4711, Before: true, "-date,_id", ["0", "2026-03-01T10:00:00.0000000Z", null, "42"]);

        var token = cursor.Encode();
        var decoded = PageCursor.Decode(token);

        Assert.DoesNotContain(token, c => c is '+' or '/' or '=' or '&' or '%'); // URL-safe as it stands
        Assert.Equal(cursor.Snapshot, decoded.Snapshot);
        Assert.Equal(cursor.Before, decoded.Before);
        Assert.Equal(cursor.Sort, decoded.Sort);
        Assert.Equal(cursor.Values, decoded.Values);
    }

    [Theory]
    [InlineData("")]
    [InlineData("***")]
    [InlineData("bnVsbA")] // "null"
    [InlineData("eyJTIjotMSwiQiI6MCwiTyI6IiIsIlYiOlsiMSJdfQ")] // a negative snapshot
    [InlineData("eyJTIjoxLCJCIjowLCJPIjoiIiwiViI6W119")] // no values
    public void Anything_else_is_a_400_naming_the_parameter(string token)
    {
        var error = Assert.Throws<FhirException>(() => PageCursor.Decode(token));

        Assert.Equal(System.Net.HttpStatusCode.BadRequest, error.Status);
        Assert.Contains(error.Outcome.Issue, i => i.Expression.Contains(PageCursor.ParameterName));
    }
}
