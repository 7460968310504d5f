namespace FhirKetamine.Server.Smart;

/// <summary>The HTTP routes of the embedded SMART server that OpenIddict passes through to us, and discovery.</summary>
internal static class SmartEndpoints
{
    public static void MapSmartEndpoints(this IEndpointRouteBuilder app, IConfiguration configuration)
    {
        app.MapGet("/fhir/.well-known/smart-configuration", SmartConfiguration.Get).AllowAnonymous().WithName("smart-configuration");
        if ((configuration["Auth:Mode"] ?? "Embedded") != "Embedded")
        {
            return;
        }

        app.MapPost("/connect/token", TokenEndpoint.ExchangeAsync).AllowAnonymous().DisableAntiforgery();
        app.MapMethods("/connect/authorize", [HttpMethods.Get, HttpMethods.Post], AuthorizeEndpoint.AuthorizeAsync).AllowAnonymous().DisableAntiforgery();
        app.MapGet("/connect/login", Pages.LoginPage.Show).AllowAnonymous();
        app.MapPost("/connect/login", Pages.LoginPage.SubmitAsync).AllowAnonymous().DisableAntiforgery();
        app.MapEhrLaunch();
    }
}
