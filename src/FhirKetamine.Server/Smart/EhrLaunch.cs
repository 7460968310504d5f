using System.Security.Claims;
using FhirKetamine.Core.Rest;
using FhirKetamine.Core.Smart;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Server;

namespace FhirKetamine.Server.Smart;

/// <summary>
/// SMART EHR launch: the EHR asks <c>POST /connect/launch</c> (with its own backend access token, which must be able to
/// read Patients unconditionally: <c>system/Patient.rs</c>, <c>system/*.rs</c>…) for a launch id naming a patient, and
/// opens the app with <c>?iss=…&amp;launch=&lt;id&gt;</c>. The app passes <c>launch</c> to <c>/connect/authorize</c> with
/// the <c>launch</c> scope, and the token it gets has that <c>patient</c> context, without the picker. A launch id is a
/// short-lived JWT signed and encrypted with the server's own keys (shared through the database), so every instance
/// accepts it; it may be bound to one <c>client_id</c>.
/// </summary>
internal static class EhrLaunch
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(5);

    private const string Audience = "fhirketamine-launch";

    public static void MapEhrLaunch(this IEndpointRouteBuilder app) =>
        app.MapPost("/connect/launch", CreateAsync).RequireAuthorization(CallerAccess.FhirPolicy).DisableAntiforgery();

    private static async Task<IResult> CreateAsync(HttpContext http, PatientPicker patients, IOptionsMonitor<OpenIddictServerOptions> server)
    {
        var access = http.Access();
        if (!access.Scopes.Any(s => s.Context != "patient" && s.Allows("Patient", 'r')))
        {
            return Error(StatusCodes.Status403Forbidden, "Creating a launch needs a token that may read every Patient (e.g. system/Patient.rs).");
        }

        var form = http.Request.HasFormContentType ? await http.Request.ReadFormAsync(http.RequestAborted) : null;
        var patient = form?["patient"].ToString() is { Length: > 0 } p ? p : http.Request.Query["patient"].ToString();
        var clientId = form?["client_id"].ToString() is { Length: > 0 } c ? c : http.Request.Query["client_id"].ToString();
        if (string.IsNullOrEmpty(patient) || !await patients.ExistsAsync(patient, http.RequestAborted))
        {
            return Error(StatusCodes.Status400BadRequest, "'patient' must name an existing Patient id.");
        }

        var options = server.CurrentValue;
        var claims = new Dictionary<string, object> { [TokenEndpoint.PatientClaim] = patient, ["launched_by"] = access.ClientId ?? string.Empty };
        if (!string.IsNullOrEmpty(clientId))
        {
            claims["client_id"] = clientId;
        }

        var launch = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = SmartServer.Audience,
            Audience = Audience,
            Claims = claims,
            Expires = DateTime.UtcNow + Lifetime,
            SigningCredentials = options.SigningCredentials[0],
            EncryptingCredentials = options.EncryptionCredentials[0],
        });
        return Results.Json(new Dictionary<string, object>
        {
            ["launch"] = launch,
            ["patient"] = patient,
            ["expires_in"] = (int)Lifetime.TotalSeconds,
        });
    }

    /// <summary>The patient a launch id names, or null when it is not one of ours, has expired, or is bound to another client.</summary>
    public static async Task<string?> PatientOfAsync(string launch, string? clientId, OpenIddictServerOptions options)
    {
        var result = await new JsonWebTokenHandler().ValidateTokenAsync(launch, new TokenValidationParameters
        {
            ValidIssuer = SmartServer.Audience,
            ValidAudience = Audience,
            IssuerSigningKeys = options.SigningCredentials.Select(c => c.Key),
            TokenDecryptionKeys = options.EncryptionCredentials.Select(c => c.Key),
            ClockSkew = TimeSpan.FromSeconds(30),
        });
        if (!result.IsValid || result.ClaimsIdentity.FindFirst(TokenEndpoint.PatientClaim)?.Value is not { Length: > 0 } patient)
        {
            return null;
        }

        return result.ClaimsIdentity.FindFirst("client_id")?.Value is { } boundTo && boundTo != clientId ? null : patient;
    }

    private static IResult Error(int status, string message) =>
        throw new FhirException((System.Net.HttpStatusCode)status,
            status == StatusCodes.Status403Forbidden ? Hl7.Fhir.Model.OperationOutcome.IssueType.Forbidden : Hl7.Fhir.Model.OperationOutcome.IssueType.Invalid, message);
}
