namespace FhirKetamine.Server.Smart;

/// <summary><c>GET /fhir/.well-known/smart-configuration</c> (SMART App Launch 2.x §Discovery): what this server really supports.</summary>
internal static class SmartConfiguration
{
    /// <summary><c>Auth:Issuer</c>, or the request's own scheme, host and path base.</summary>
    public static string Issuer(HttpContext http, IConfiguration configuration) =>
        configuration["Auth:Issuer"] is { Length: > 0 } configured
            ? configured.TrimEnd('/')
            : $"{http.Request.Scheme}://{http.Request.Host}{http.Request.PathBase}";

    public static IResult Get(HttpContext http, IConfiguration configuration)
    {
        var issuer = Issuer(http, configuration);
        return Results.Json(new Dictionary<string, object>
        {
            ["issuer"] = issuer,
            ["jwks_uri"] = $"{issuer}/.well-known/jwks",
            ["authorization_endpoint"] = $"{issuer}/connect/authorize",
            ["token_endpoint"] = $"{issuer}/connect/token",
            ["introspection_endpoint"] = $"{issuer}/connect/introspect",
            ["revocation_endpoint"] = $"{issuer}/connect/revoke",
            ["grant_types_supported"] = new[] { "authorization_code", "client_credentials", "refresh_token" },
            ["token_endpoint_auth_methods_supported"] = new[] { "private_key_jwt", "client_secret_basic", "client_secret_post", "none" },
            ["token_endpoint_auth_signing_alg_values_supported"] = new[] { "RS384", "ES384" },
            ["response_types_supported"] = new[] { "code" },
            ["code_challenge_methods_supported"] = new[] { "S256" },
            ["scopes_supported"] = new[]
            {
                "openid", "fhirUser", "launch", "launch/patient", "offline_access",
                "system/*.cruds", "system/*.read", "user/*.cruds", "user/*.read", "patient/*.rs", "patient/*.read",
            },
            ["capabilities"] = new[]
            {
                "launch-standalone", "launch-ehr", "client-public", "client-confidential-symmetric", "client-confidential-asymmetric",
                "context-standalone-patient", "context-ehr-patient", "sso-openid-connect", "permission-offline", "permission-patient",
                "permission-user", "permission-v1", "permission-v2",
            },
        });
    }
}
