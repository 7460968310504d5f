using FhirKetamine.Server.Smart;
using Microsoft.Extensions.FileProviders;
using Microsoft.Net.Http.Headers;

namespace FhirKetamine.Server.WebApp;

/// <summary>
/// The "Progress" SMART app (src/FhirKetamine.WebApp, built by the server project's npm target into
/// <c>app/</c> of the build output) served at <c>/app/</c>, and registered as a public SMART client out of the box
/// (<see cref="ProgressAppClient"/>); with <c>Seed:Examples=true</c> the demo clinic is loaded (<see cref="DemoClinic"/>).
/// </summary>
internal static class ProgressApp
{
    public const string Path = "/app";

    public static IServiceCollection AddProgressApp(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ProgressAppOptions>().BindConfiguration(ProgressAppOptions.Section);
        if (CallerAccess.Mode(configuration) == "Embedded" && configuration.GetValue($"{ProgressAppOptions.Section}:Enabled", true))
        {
            services.AddSingleton<Microsoft.Extensions.Options.IPostConfigureOptions<SmartOptions>, ProgressAppClient>();
            services.AddHostedService<ProgressAppRedirects>();
        }

        if (configuration.GetValue("Seed:Examples", false))
        {
            services.AddHostedService<DemoClinic>();
        }

        return services;
    }

    /// <summary>The built files, if the npm build ran (it needs Node.js): index.html revalidated on every load, hashed assets cached for a year.</summary>
    public static IApplicationBuilder UseProgressApp(this WebApplication app)
    {
        var root = System.IO.Path.Combine(AppContext.BaseDirectory, "app");
        if (!File.Exists(System.IO.Path.Combine(root, "index.html")))
        {
            app.Map(Path, branch => branch.Run(http =>
            {
                http.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                http.Response.ContentType = "text/plain; charset=utf-8";
                return http.Response.WriteAsync("The Progress app was not built: the server project's build runs `npm ci` and `npm run build` in src/FhirKetamine.WebApp, which needs Node.js and npm.");
            }));
            return app;
        }

        var files = new PhysicalFileProvider(root);
        app.Use((http, next) =>
        {
            // /app → /app/, so the page's relative URLs and the registered redirect URI (/app/) line up.
            if (http.Request.Path.Value == Path)
            {
                http.Response.Redirect(Path + "/" + http.Request.QueryString);
                return Task.CompletedTask;
            }

            return next(http);
        });
        app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = files, RequestPath = Path });
        app.UseStaticFiles(new StaticFileOptions
        {
            FileProvider = files,
            RequestPath = Path,
            OnPrepareResponse = context =>
            {
                var headers = context.Context.Response.Headers;
                headers[HeaderNames.CacheControl] = context.File.Name == "index.html" ? "no-cache" : "public, max-age=31536000, immutable";
                headers[HeaderNames.XContentTypeOptions] = "nosniff";
                headers[HeaderNames.ContentSecurityPolicy] =
                    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'";
                headers["Referrer-Policy"] = "no-referrer";
            },
        });
        return app;
    }
}

/// <summary>The <c>ProgressApp</c> configuration section.</summary>
public sealed class ProgressAppOptions
{
    public const string Section = "ProgressApp";

    /// <summary>Register the app as a public client (with <c>Auth:Mode=Embedded</c>).</summary>
    public bool Enabled { get; set; } = true;

    public string ClientId { get; set; } = "progress";

    /// <summary>The most the app may be granted: a clinician's read access, and writing questionnaire answers and their totals.</summary>
    public string Scopes { get; set; } =
        "openid fhirUser launch launch/patient offline_access user/*.rs user/QuestionnaireResponse.c user/Observation.c patient/*.rs";

    /// <summary>Redirect URIs besides <c>/app/</c> on the server's own origins (e.g. the public URL behind a proxy).</summary>
    public List<string> RedirectUris { get; set; } = [];
}
