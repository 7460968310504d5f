using FhirKetamine.Core.Storage;
using Microsoft.AspNetCore.Authentication.Cookies;
using OpenIddict.Validation.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace FhirKetamine.Server.Smart;

/// <summary>
/// Auth:Mode=Embedded: this host is also the SMART authorization server (OpenIddict server + validation in
/// one host, stores on <see cref="FhirDbContext"/>, keys in the database). Endpoints under <c>/connect</c>,
/// JWKS at <c>/.well-known/jwks</c>, JWT access tokens with the audience <see cref="Audience"/>.
/// </summary>
internal static class SmartServer
{
    public const string Audience = "fhirketamine";

    public const string LoginScheme = CookieAuthenticationDefaults.AuthenticationScheme;

    public static IServiceCollection AddEmbeddedSmartServer(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<SmartOptions>().BindConfiguration("Smart");
        services.AddSingleton<SmartKeyRing>();
        services.AddSingleton<Microsoft.Extensions.Options.IConfigureOptions<OpenIddict.Server.OpenIddictServerOptions>>(sp => sp.GetRequiredService<SmartKeyRing>());
        services.AddHostedService<SmartClientSync>();
        services.AddAntiforgery();
        services.AddScoped<PatientPicker>();
        services.AddSingleton<ClientJwks>();
        services.AddHttpClient(ClientJwks.HttpClientName, c => c.Timeout = TimeSpan.FromSeconds(10));

        services.AddOpenIddict()
            .AddCore(o => o.UseEntityFrameworkCore().UseDbContext<FhirDbContext>())
            .AddServer(o =>
            {
                o.SetAuthorizationEndpointUris("connect/authorize")
                    .SetTokenEndpointUris("connect/token")
                    .SetIntrospectionEndpointUris("connect/introspect")
                    .SetRevocationEndpointUris("connect/revoke")
                    .SetJsonWebKeySetEndpointUris(".well-known/jwks");
                o.AllowClientCredentialsFlow().AllowAuthorizationCodeFlow().AllowRefreshTokenFlow().RequireProofKeyForCodeExchange();
                o.Configure(x => x.CodeChallengeMethods.Remove(CodeChallengeMethods.Plain));

                // SMART scopes are patterns (patient/*.rs, ?category=…): OpenIddict treats them as opaque, and
                // the grant is decided by ScopeGrant against the client's configured Scopes.
                o.DisableScopeValidation().IgnoreScopePermissions();
                o.DisableAccessTokenEncryption();
                if (configuration["Auth:Issuer"] is { Length: > 0 } issuer)
                {
                    o.SetIssuer(new Uri(issuer));
                }

                o.AddEventHandler(ClientJwks.Refresh)
                    .AddEventHandler(ClientAssertionHandlers.AcceptSmartAssertion)
                    .AddEventHandler(ClientAssertionHandlers.MarkAsClientAssertion)
                    .AddEventHandler(ClientAssertionHandlers.RefuseReplayAndLongLife)
                    .AddEventHandler(ClientAssertionHandlers.ReportAssertionErrorsAsInvalidClient);

                var aspNetCore = o.UseAspNetCore().EnableTokenEndpointPassthrough().EnableAuthorizationEndpointPassthrough();
                if (!configuration.GetValue("Auth:RequireHttps", false))
                {
                    // TLS is usually terminated by a proxy in front of the server; Auth:RequireHttps=true enforces it here.
                    aspNetCore.DisableTransportSecurityRequirement();
                }
            })
            .AddValidation(o =>
            {
                o.UseLocalServer();
                o.UseAspNetCore();
                o.AddAudiences(Audience);
                o.EnableTokenEntryValidation(); // revoked access tokens are refused (SMART.md §4 trap)
            });

        services.AddAuthentication(OpenIddictValidationAspNetCoreDefaults.AuthenticationScheme)
            .AddCookie(LoginScheme, o =>
            {
                o.LoginPath = "/connect/login";
                o.Cookie.Name = "fhirketamine.login";
                o.Cookie.SameSite = SameSiteMode.Lax;
                o.Cookie.HttpOnly = true;
                o.ExpireTimeSpan = TimeSpan.FromMinutes(30);
            });
        return services;
    }
}
