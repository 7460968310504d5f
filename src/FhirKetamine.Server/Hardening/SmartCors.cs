using Microsoft.AspNetCore.Cors.Infrastructure;

namespace FhirKetamine.Server.Hardening;

/// <summary>
/// CORS for SMART web apps served from other origins: the origins in <c>Cors:AllowedOrigins</c> (none by
/// default; <c>*</c> allows any) may call <c>/fhir</c> and <c>/connect/token</c> with a bearer token (no cookies),
/// and read the headers a FHIR and Bulk Data client needs. The login and consent pages are never shared.
/// </summary>
internal static class SmartCors
{
    public const string PolicyName = "smart-apps";

    private static readonly string[] ExposedHeaders = ["Location", "ETag", "Content-Location", "Last-Modified", "X-Progress", "Retry-After", "Expires"];

    public static IServiceCollection AddSmartCors(this IServiceCollection services)
    {
        services.AddCors();
        services.AddOptions<CorsOptions>().Configure<IConfiguration>((o, configuration) => o.AddPolicy(PolicyName, policy => policy
            .WithOrigins(AllowedOrigins(configuration))
            .WithMethods(HttpMethods.Get, HttpMethods.Post, HttpMethods.Put, HttpMethods.Patch, HttpMethods.Delete)
            .AllowAnyHeader()
            .WithExposedHeaders(ExposedHeaders)
            .SetPreflightMaxAge(TimeSpan.FromMinutes(10))));
        return services;
    }

    public static IApplicationBuilder UseSmartCors(this IApplicationBuilder app, IConfiguration configuration) =>
        AllowedOrigins(configuration).Length == 0
            ? app
            : app.UseWhen(
                http => http.Request.Path.StartsWithSegments("/fhir") || http.Request.Path.StartsWithSegments("/connect/token"),
                branch => branch.UseCors(PolicyName));

    /// <summary>An array (<c>Cors:AllowedOrigins:0</c>, …) or one comma-separated value (<c>--Cors:AllowedOrigins=https://a,https://b</c>).</summary>
    private static string[] AllowedOrigins(IConfiguration configuration)
    {
        var section = configuration.GetSection("Cors:AllowedOrigins");
        var values = section.Value is { Length: > 0 } single ? single.Split(',') : section.Get<string[]>() ?? [];
        return values.Select(o => o.Trim().TrimEnd('/')).Where(o => o.Length > 0).ToArray();
    }
}
