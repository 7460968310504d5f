using System.Security.Claims;
using FhirKetamine.Core.Smart;
using FhirKetamine.Server.Pages;
using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace FhirKetamine.Server.Smart;

/// <summary>
/// <c>/connect/authorize</c> after OpenIddict has checked the client, redirect URI and PKCE (S256 only):
/// no login cookie → the login page; then the consent page (scopes, and the patient picker for
/// <c>launch/patient</c>, none for an EHR launch: <see cref="EhrLaunch"/>); its POST (antiforgery-checked) issues the
/// code with the user, fhirUser and patient.
/// </summary>
internal static class AuthorizeEndpoint
{
    private const string LaunchPatient = "launch/patient";
    private const string Launch = "launch";

    public static async Task<IResult> AuthorizeAsync(HttpContext http, IAntiforgery antiforgery, IOptions<SmartOptions> options, PatientPicker picker,
        IOptionsMonitor<OpenIddictServerOptions> server)
    {
        var request = http.GetOpenIddictServerRequest() ?? throw new InvalidOperationException("Not an OpenIddict request.");
        var login = await http.AuthenticateAsync(SmartServer.LoginScheme);
        if (login.Principal is not { } user)
        {
            var returnUrl = http.Request.PathBase + http.Request.Path + QueryString.Create(request.GetParameters()
                .Select(p => new KeyValuePair<string, string?>(p.Key, p.Value.ToString())));
            return Results.Redirect("/connect/login?returnUrl=" + Uri.EscapeDataString(returnUrl));
        }

        var client = options.Value.Clients.FirstOrDefault(c => c.ClientId == request.ClientId);
        var offered = client is null ? [] : ScopeGrant.Intersect(request.GetScopes(), client.ScopeList);
        // EHR launch: the launch id carries the patient, so there is no picker.
        string? launchPatient = null;
        if (offered.Contains(Launch))
        {
            launchPatient = request.GetParameter(Launch)?.ToString() is { Length: > 0 } launch
                ? await EhrLaunch.PatientOfAsync(launch, request.ClientId, server.CurrentValue)
                : null;
            if (launchPatient is null)
            {
                return Reject(OpenIddictConstants.Errors.InvalidRequest, "The 'launch' scope needs a valid 'launch' parameter from the EHR (it may have expired).");
            }
        }

        var wantsPatient = offered.Contains(LaunchPatient) && launchPatient is null;
        if (!HttpMethods.IsPost(http.Request.Method) || !http.Request.HasFormContentType || http.Request.Form["consent"].Count == 0)
        {
            var patients = wantsPatient ? await picker.ListAsync(http.Request.Query["patient_search"].ToString(), http.RequestAborted) : [];
            return ConsentPage.Render(http, antiforgery, request, offered, patients, wantsPatient, launchPatient);
        }

        if (!await antiforgery.IsRequestValidAsync(http))
        {
            return Html.Page("Authorize", "<p class=\"error\">The form expired. Go back and try again.</p>", 400);
        }

        var form = http.Request.Form;
        if (form["consent"] != "allow")
        {
            return Reject(OpenIddictConstants.Errors.AccessDenied, "The user denied the request.");
        }

        var granted = offered.Where(s => form["scope_grant"].Contains(s)).ToList();
        string? patient = granted.Contains(Launch) ? launchPatient : null;
        if (wantsPatient && granted.Contains(LaunchPatient))
        {
            patient = form["patient"].ToString();
            if (!await picker.ExistsAsync(patient, http.RequestAborted))
            {
                return Html.Page("Authorize", "<p class=\"error\">Choose a patient.</p>", 400);
            }
        }

        var identity = new ClaimsIdentity(TokenValidationParameters.DefaultAuthenticationType, Claims.Name, Claims.Role);
        identity.SetClaim(Claims.Subject, user.Identity!.Name).SetClaim(Claims.Name, user.Identity.Name).SetClaim(Claims.ClientId, request.ClientId);
        if (user.FindFirst(TokenEndpoint.FhirUserClaim)?.Value is { } fhirUser && granted.Contains("fhirUser"))
        {
            identity.SetClaim(TokenEndpoint.FhirUserClaim, fhirUser);
        }

        if (patient is not null)
        {
            identity.SetClaim(TokenEndpoint.PatientClaim, patient);
        }

        identity.SetScopes(granted).SetAudiences(SmartServer.Audience);
        identity.SetDestinations(claim => claim.Type switch
        {
            TokenEndpoint.FhirUserClaim or Claims.Subject or Claims.Name => [Destinations.AccessToken, Destinations.IdentityToken],
            _ => [Destinations.AccessToken],
        });
        return Results.SignIn(new ClaimsPrincipal(identity), null, OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
    }

    private static IResult Reject(string error, string description) =>
        Results.Forbid(new AuthenticationProperties(new Dictionary<string, string?>
        {
            [OpenIddictServerAspNetCoreConstants.Properties.Error] = error,
            [OpenIddictServerAspNetCoreConstants.Properties.ErrorDescription] = description,
        }), [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
}
