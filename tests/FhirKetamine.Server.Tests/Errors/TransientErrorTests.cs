using FhirKetamine.Core.Rest;
using FhirKetamine.Server.Errors;
using Microsoft.AspNetCore.Http;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace FhirKetamine.Server.Tests.Errors;

public sealed class TransientErrorTests
{
    [Fact]
    public async Task A_database_lock_timeout_is_503_with_RetryAfter_not_500()
    {
        var http = new DefaultHttpContext { RequestServices = new ServiceCollection().AddSingleton<FhirSerialization>().BuildServiceProvider() };
        http.Response.Body = new MemoryStream();
        var busy = new DbUpdateException("save failed", new SqliteException("database is locked", 5));

        var handled = await new OperationOutcomeExceptionHandler(NullLogger<OperationOutcomeExceptionHandler>.Instance)
            .TryHandleAsync(http, busy, CancellationToken.None);

        Assert.True(handled);
        Assert.Equal(StatusCodes.Status503ServiceUnavailable, http.Response.StatusCode);
        Assert.Equal("1", http.Response.Headers.RetryAfter.ToString());
        http.Response.Body.Position = 0;
        Assert.Contains("\"transient\"", await new StreamReader(http.Response.Body).ReadToEndAsync(), StringComparison.Ordinal);
    }
}
