namespace FhirKetamine.Server.Smart;

/// <summary>The <c>Smart</c> configuration section: registered clients and the embedded login page's users (SPEC.md §4).</summary>
public sealed class SmartOptions
{
    public List<SmartClientOptions> Clients { get; set; } = [];

    public List<SmartUserOptions> Users { get; set; } = [];

    /// <summary>How long a backend (client_credentials) access token lives; SMART Backend Services recommends at most 5 minutes.</summary>
    public TimeSpan BackendTokenLifetime { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How long a client's key set fetched from its <c>JwksUrl</c> is used before it is fetched again.</summary>
    public TimeSpan JwksMaxAge { get; set; } = TimeSpan.FromHours(1);

    /// <summary>The least time between two fetches of a client's <c>JwksUrl</c> because of an unknown kid.</summary>
    public TimeSpan JwksMinRefreshInterval { get; set; } = TimeSpan.FromSeconds(30);
}

public sealed class SmartClientOptions
{
    public string ClientId { get; set; } = "";

    /// <summary>
    /// <c>Backend</c> (client_credentials + private_key_jwt), <c>Public</c> (code + PKCE) or <c>Confidential</c> (code + PKCE,
    /// authenticated with its <see cref="ClientSecret"/>: client_secret_basic or client_secret_post; or private_key_jwt).
    /// </summary>
    public string Kind { get; set; } = "Backend";

    /// <summary>Inline JWKS JSON holding the client's public keys (RS384 / ES384).</summary>
    public string? Jwks { get; set; }

    /// <summary>Where the client publishes its JWKS (instead of <see cref="Jwks"/>): fetched, cached, fetched again on an unknown kid.</summary>
    public string? JwksUrl { get; set; }

    public string? ClientSecret { get; set; }

    public List<string> RedirectUris { get; set; } = [];

    /// <summary>Space-separated: the most this client may ever be granted.</summary>
    public string Scopes { get; set; } = "";

    public string[] ScopeList => Scopes.Split(' ', StringSplitOptions.RemoveEmptyEntries);
}

public sealed class SmartUserOptions
{
    public string Username { get; set; } = "";

    public string Password { get; set; } = "";

    /// <summary>The user's FHIR resource, e.g. <c>Practitioner/dr-rivera</c>.</summary>
    public string? FhirUser { get; set; }
}
