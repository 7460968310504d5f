using System.Security.Claims;
using FhirKetamine.Core.Smart;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;

namespace FhirKetamine.Server.Smart;

/// <summary>
/// Puts the caller's <see cref="SmartAccess"/> on every request: the single place where the caller and the
/// granted scopes become known. <c>Auth:Mode</c> chooses who issues the tokens: <c>Embedded</c> (this host,
/// OpenIddict), <c>External</c> (JWTs of an OpenID provider: <c>Auth:Authority</c>, <c>Auth:Audience</c>), or
/// <c>Disabled</c> (every caller has full access; a warning at every start). The FHIR route group requires
/// <see cref="FhirPolicy"/>: an authenticated caller, except when disabled.
/// </summary>
public static partial class CallerAccess
{
    public const string FhirPolicy = "fhir";

    private const string Key = "FhirKetamine.SmartAccess";

    public static IServiceCollection AddCallerAccess(this IServiceCollection services, IConfiguration configuration)
    {
        var mode = Mode(configuration);
        switch (mode)
        {
            case "Disabled":
                services.AddAuthentication();
                services.AddAuthorizationBuilder().AddPolicy(FhirPolicy, p => p.RequireAssertion(_ => true));
                return services;
            case "Embedded":
                services.AddEmbeddedSmartServer(configuration);
                break;
            case "External":
                var authority = configuration["Auth:Authority"] is { Length: > 0 } a ? a
                    : throw new InvalidOperationException("Auth:Mode=External needs Auth:Authority (the OpenID provider's issuer URL).");
                services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer(o =>
                {
                    o.Authority = authority;
                    o.Audience = configuration["Auth:Audience"];
                    o.RequireHttpsMetadata = configuration.GetValue("Auth:RequireHttps", true);
                    o.MapInboundClaims = false;
                });
                break;
            default:
                throw new InvalidOperationException($"Unknown Auth:Mode '{mode}'; use Embedded, External or Disabled.");
        }

        services.AddAuthorizationBuilder().AddPolicy(FhirPolicy, p => p.RequireAuthenticatedUser());
        return services;
    }

    public static IApplicationBuilder UseCallerAccess(this WebApplication app)
    {
        var disabled = Mode(app.Configuration) == "Disabled";
        if (disabled)
        {
            LogAuthDisabled(app.Logger);
        }

        app.UseAuthentication();
        app.UseAuthorization();
        return app.Use((http, next) =>
        {
            var access = disabled ? SmartAccess.Unrestricted : FromPrincipal(http.User);
            http.Items[Key] = access with { Origin = new Core.Audit.RequestOrigin(http.Connection.RemoteIpAddress?.ToString(), http.TraceIdentifier) };
            return next(http);
        });
    }

    /// <summary>The caller's access, or null when the request was refused before it was known (no or a bad token).</summary>
    public static SmartAccess? TryAccess(this HttpContext http) => http.Items.TryGetValue(Key, out var access) ? access as SmartAccess : null;

    public static SmartAccess Access(this HttpContext http) =>
        http.Items.TryGetValue(Key, out var access) && access is SmartAccess smart ? smart : throw new InvalidOperationException("UseCallerAccess is not in the pipeline.");

    /// <summary>
    /// The grant as the token states it: <c>scope</c> (space-separated, or OpenIddict's <c>oi_scp</c> / an
    /// <c>scp</c> array), <c>client_id</c> (or <c>azp</c>), <c>fhirUser</c> and <c>patient</c>. No token, no scopes.
    /// </summary>
    public static SmartAccess FromPrincipal(ClaimsPrincipal user)
    {
        if (user.Identity?.IsAuthenticated != true)
        {
            return new SmartAccess(null, null, null, []);
        }

        var scopes = user.Claims.Where(c => c.Type is "scope" or "scp" or "oi_scp")
            .SelectMany(c => c.Value.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Distinct(StringComparer.Ordinal);
        return SmartAccess.FromScopeString(
            user.FindFirst("client_id")?.Value ?? user.FindFirst("azp")?.Value,
            user.FindFirst(TokenEndpoint.FhirUserClaim)?.Value,
            user.FindFirst(TokenEndpoint.PatientClaim)?.Value,
            string.Join(' ', scopes));
    }

    internal static string Mode(IConfiguration configuration) => configuration["Auth:Mode"] ?? "Embedded";

    [LoggerMessage(EventId = 3001, Level = LogLevel.Warning, Message = "Auth:Mode=Disabled: every request has full access to every resource. Never run like this with real patient data.")]
    private static partial void LogAuthDisabled(ILogger logger);
}
