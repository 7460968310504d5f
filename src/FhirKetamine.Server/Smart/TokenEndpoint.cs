using System.Security.Claims;
using FhirKetamine.Core.Smart;
using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace FhirKetamine.Server.Smart;

/// <summary>
/// <c>POST /connect/token</c> after OpenIddict has authenticated the client (the assertion, PKCE, the code):
/// decides what is granted. client_credentials: the requested scopes the client's configured Scopes cover;
/// authorization_code / refresh_token: what was consented, with the patient context carried along.
/// </summary>
internal static class TokenEndpoint
{
    public const string PatientClaim = "patient";
    public const string FhirUserClaim = "fhirUser";

    public static async Task<IResult> ExchangeAsync(HttpContext http, IOptions<SmartOptions> options)
    {
        var request = http.GetOpenIddictServerRequest() ?? throw new InvalidOperationException("Not an OpenIddict request.");
        if (request.IsClientCredentialsGrantType())
        {
            var client = options.Value.Clients.FirstOrDefault(c => c.ClientId == request.ClientId && c.Kind == "Backend");
            var granted = client is null ? [] : ScopeGrant.Intersect(request.GetScopes(), client.ScopeList);
            if (granted.Count == 0)
            {
                return Refuse(OpenIddictConstants.Errors.InvalidScope, "None of the requested scopes is registered for this client.");
            }

            var identity = new ClaimsIdentity(TokenValidationParameters.DefaultAuthenticationType, Claims.Name, Claims.Role);
            identity.SetClaim(Claims.Subject, request.ClientId).SetClaim(Claims.ClientId, request.ClientId);
            identity.SetScopes(granted).SetAudiences(SmartServer.Audience);
            identity.SetDestinations(_ => [Destinations.AccessToken]);
            var principal = new ClaimsPrincipal(identity);
            principal.SetAccessTokenLifetime(options.Value.BackendTokenLifetime);
            return SignIn(principal, granted, patient: null);
        }

        if (request.IsAuthorizationCodeGrantType() || request.IsRefreshTokenGrantType())
        {
            var result = await http.AuthenticateAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
            if (result.Principal is not { } principal)
            {
                return Refuse(OpenIddictConstants.Errors.InvalidGrant, "The code or refresh token is no longer valid.");
            }

            return SignIn(principal, principal.GetScopes(), principal.GetClaim(PatientClaim));
        }

        return Refuse(OpenIddictConstants.Errors.UnsupportedGrantType, "This grant type is not supported.");
    }

    private static IResult SignIn(ClaimsPrincipal principal, IEnumerable<string> granted, string? patient)
    {
        // SMART requires scope in the response even when it equals the request (OpenIddict leaves it out then).
        var properties = new AuthenticationProperties();
        properties.Parameters[Parameters.Scope] = string.Join(' ', granted);
        if (patient is not null)
        {
            properties.Parameters[PatientClaim] = patient;
            properties.Parameters["need_patient_banner"] = true;
        }

        return Results.SignIn(principal, properties, OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
    }

    public static IResult Refuse(string error, string description) =>
        Results.Forbid(new AuthenticationProperties(new Dictionary<string, string?>
        {
            [OpenIddictServerAspNetCoreConstants.Properties.Error] = error,
            [OpenIddictServerAspNetCoreConstants.Properties.ErrorDescription] = description,
        }), [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
}
