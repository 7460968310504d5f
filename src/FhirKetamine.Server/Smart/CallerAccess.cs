using FhirKetamine.Core.Smart;

namespace FhirKetamine.Server.Smart;

/// <summary>
/// Puts the caller's <see cref="SmartAccess"/> on every request: the single place where the caller and
/// the granted scopes become known. With <c>Auth:Mode=Disabled</c> every caller has full access.
/// The embedded SMART authorization server (Auth:Mode=Embedded/External) comes with the SMART issue;
/// until then those modes refuse to start rather than run open while claiming to be protected.
/// </summary>
public static partial class CallerAccess
{
    private const string Key = "FhirKetamine.SmartAccess";

    public static IServiceCollection AddCallerAccess(this IServiceCollection services, IConfiguration configuration)
    {
        var mode = configuration["Auth:Mode"] ?? "Disabled";
        if (mode != "Disabled")
        {
            throw new InvalidOperationException(
                $"Auth:Mode={mode} is not available in this build yet (SMART on FHIR is the next issue). Set Auth:Mode=Disabled for local use.");
        }

        return services;
    }

    public static IApplicationBuilder UseCallerAccess(this WebApplication app)
    {
        LogAuthDisabled(app.Logger);
        return app.Use((http, next) =>
        {
            http.Items[Key] = SmartAccess.Unrestricted;
            return next(http);
        });
    }

    public static SmartAccess Access(this HttpContext http) =>
        http.Items.TryGetValue(Key, out var access) && access is SmartAccess smart ? smart : throw new InvalidOperationException("UseCallerAccess is not in the pipeline.");

    [LoggerMessage(EventId = 3001, Level = LogLevel.Warning, Message = "Auth:Mode=Disabled: every request has full access to every resource. Never run like this with real patient data.")]
    private static partial void LogAuthDisabled(ILogger logger);
}
