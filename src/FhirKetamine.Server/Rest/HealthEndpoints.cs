using Microsoft.AspNetCore.Diagnostics.HealthChecks;

namespace FhirKetamine.Server.Rest;

/// <summary><c>/health/live</c>: the process answers. <c>/health/ready</c>: the database answers too.</summary>
internal static class HealthEndpoints
{
    public static void MapFhirHealthChecks(this IEndpointRouteBuilder app)
    {
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = check => check.Tags.Contains("ready") });
    }
}
