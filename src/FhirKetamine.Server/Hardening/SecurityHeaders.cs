namespace FhirKetamine.Server.Hardening;

/// <summary>
/// Response headers against content sniffing, framing and referrer leaks. Every response gets
/// <c>X-Content-Type-Options: nosniff</c>; HTML pages (login, consent, patient picker, a web app served here)
/// also get a Content-Security-Policy (<c>SecurityHeaders:ContentSecurityPolicy</c>), <c>X-Frame-Options: DENY</c>
/// and <c>Referrer-Policy: no-referrer</c>. Set when the response starts, so error pages get them too.
/// </summary>
internal static class SecurityHeaders
{
    /// <summary>Same-origin scripts, styles (inline ones too: the pages carry a small style block), images and fetches; no plugins, no framing.</summary>
    public const string DefaultContentSecurityPolicy =
        "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app, IConfiguration configuration)
    {
        var policy = configuration["SecurityHeaders:ContentSecurityPolicy"] is { Length: > 0 } configured ? configured : DefaultContentSecurityPolicy;
        return app.Use((http, next) =>
        {
            http.Response.OnStarting(() =>
            {
                var headers = http.Response.Headers;
                headers.XContentTypeOptions = "nosniff";
                if (http.Response.ContentType?.StartsWith("text/html", StringComparison.OrdinalIgnoreCase) == true)
                {
                    if (string.IsNullOrEmpty(headers.ContentSecurityPolicy))
                    {
                        headers.ContentSecurityPolicy = policy; // a page that sets its own (the Progress app's, stricter) keeps it
                    }

                    headers.XFrameOptions = "DENY";
                    headers["Referrer-Policy"] = "no-referrer";
                }

                return Task.CompletedTask;
            });
            return next(http);
        });
    }
}
