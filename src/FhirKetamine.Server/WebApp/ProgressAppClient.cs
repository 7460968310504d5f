using FhirKetamine.Server.Smart;
using Microsoft.Extensions.Options;

namespace FhirKetamine.Server.WebApp;

/// <summary>
/// Adds the Progress app to <c>Smart:Clients</c> as a public client (code + PKCE), unless a client with its id is
/// configured there already. Its redirect URI is <c>/app/</c> on the server's own origin: at configuration time the
/// origins known are <c>Auth:Issuer</c> and <c>Urls</c>; <see cref="ProgressAppRedirects"/> adds the addresses
/// Kestrel really bound once it has started (a port 0, a wildcard host).
/// </summary>
internal sealed class ProgressAppClient(IOptions<ProgressAppOptions> app, IConfiguration configuration) : IPostConfigureOptions<SmartOptions>
{
    public void PostConfigure(string? name, SmartOptions options)
    {
        var settings = app.Value;
        if (options.Clients.Any(c => c.ClientId == settings.ClientId))
        {
            return;
        }

        var origins = new List<string>();
        if (configuration["Auth:Issuer"] is { Length: > 0 } issuer)
        {
            origins.Add(issuer);
        }

        origins.AddRange((configuration["Urls"] ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries));
        options.Clients.Add(new SmartClientOptions
        {
            ClientId = settings.ClientId,
            Kind = "Public",
            Scopes = settings.Scopes,
            RedirectUris = RedirectUris(origins).Concat(settings.RedirectUris).Distinct(StringComparer.Ordinal).ToList(),
        });
    }

    /// <summary><c>{origin}/app/</c> for each origin; a wildcard host (<c>+</c>, <c>*</c>, <c>0.0.0.0</c>, <c>[::]</c>) and a loopback host stand for both <c>localhost</c> and <c>127.0.0.1</c>.</summary>
    public static IEnumerable<string> RedirectUris(IEnumerable<string> origins)
    {
        foreach (var origin in origins)
        {
            var normalised = origin.Trim().Replace("://+", "://0.0.0.0", StringComparison.Ordinal).Replace("://*", "://0.0.0.0", StringComparison.Ordinal);
            if (!Uri.TryCreate(normalised, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            {
                continue;
            }

            var hosts = uri.Host is "0.0.0.0" or "[::]" or "::" or "localhost" or "127.0.0.1" or "[::1]" ? ["localhost", "127.0.0.1"] : new[] { uri.Host };
            foreach (var host in hosts)
            {
                var builder = new UriBuilder(uri) { Host = host, Path = uri.AbsolutePath.TrimEnd('/') + ProgressApp.Path + "/", Query = "", Fragment = "" };
                yield return builder.Uri.AbsoluteUri;
            }
        }
    }
}
