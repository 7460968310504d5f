using FhirKetamine.Core.Rest;

namespace FhirKetamine.Server.Hardening;

/// <summary>
/// Request hardening in two places of the pipeline: security headers and CORS before authentication (a
/// CORS preflight carries no token), rate limiting and search timeouts after it (the limit is per SMART client).
/// Body and Bundle-entry limits are <c>Fhir:MaxRequestBodyBytes</c> and <c>Fhir:MaxBundleEntries</c>.
/// </summary>
internal static class HardeningSetup
{
    public static IServiceCollection AddRequestHardening(this IServiceCollection services)
    {
        services.AddOptions<FhirLimits>().BindConfiguration("Fhir")
            .Validate(l => l.MaxBundleEntries > 0, "Fhir:MaxBundleEntries must be positive.").ValidateOnStart();
        services.AddClientRateLimiting();
        services.AddSmartCors();
        return services;
    }

    /// <summary>Before authentication: headers on every response, CORS answers preflights.</summary>
    public static IApplicationBuilder UseBrowserHardening(this WebApplication app) =>
        app.UseSecurityHeaders(app.Configuration).UseSmartCors(app.Configuration);

    /// <summary>After authentication: the per-client rate limit, then the search deadline.</summary>
    public static IApplicationBuilder UseRequestLimits(this WebApplication app) =>
        app.UseRateLimiter().UseSearchTimeout(app.Configuration);
}
