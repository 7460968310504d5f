using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace FhirKetamine.Server.Tests.Smart;

/// <summary>
/// The real server with Auth:Mode=Embedded on its own database (SQLite, or PostgreSQL in CI's second run), and four registered clients: an EHR
/// (RS384, system/*.cruds) and a device gateway (ES384, create-only) whose keys the tests hold, a public app and a
/// confidential app with a client secret.
/// </summary>
public sealed class SmartServerFactory : WebApplicationFactory<Program>
{
    public const string TokenEndpoint = "http://localhost/connect/token";

    /// <summary>The client secret of <c>portal</c>, a confidential (symmetric) app client.</summary>
    public const string PortalSecret = "portal-secret-7f3a9c";

    public SmartServerFactory()
    {
        Database = TestDatabase.Create();
        EhrKey = new RsaSecurityKey(RSA.Create(2048)) { KeyId = "ehr-1" };
        GatewayKey = new ECDsaSecurityKey(ECDsa.Create(ECCurve.NamedCurves.nistP384)) { KeyId = "gw-1" };
    }

    /// <summary>Another instance of the same deployment: the same database and the same registered clients.</summary>
    internal SmartServerFactory(SmartServerFactory first)
    {
        Database = first.Database;
        EhrKey = first.EhrKey;
        GatewayKey = first.GatewayKey;
        OwnsDatabase = false;
    }

    /// <summary>A SQLite file, or a fresh PostgreSQL database in the CI run against PostgreSQL.</summary>
    public TestDatabase Database { get; }

    public bool OwnsDatabase { get; }

    public RsaSecurityKey EhrKey { get; }

    public ECDsaSecurityKey GatewayKey { get; }

    public Dictionary<string, string?> Settings { get; } = [];

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("Storage:Provider", Database.Provider);
        builder.UseSetting("ConnectionStrings:Fhir", Database.ConnectionString);
        builder.UseSetting("Auth:Mode", "Embedded");
        builder.UseSetting("Logging:LogLevel:Default", "Warning");
        builder.UseSetting("Smart:Clients:0:ClientId", "ehr");
        builder.UseSetting("Smart:Clients:0:Kind", "Backend");
        builder.UseSetting("Smart:Clients:0:Jwks", Jwks(EhrKey));
        builder.UseSetting("Smart:Clients:0:Scopes", "system/*.cruds");
        builder.UseSetting("Smart:Clients:1:ClientId", "gateway");
        builder.UseSetting("Smart:Clients:1:Kind", "Backend");
        builder.UseSetting("Smart:Clients:1:Jwks", Jwks(GatewayKey));
        builder.UseSetting("Smart:Clients:1:Scopes", "system/Observation.c system/Device.c");
        builder.UseSetting("Smart:Clients:2:ClientId", "app");
        builder.UseSetting("Smart:Clients:2:Kind", "Public");
        builder.UseSetting("Smart:Clients:2:RedirectUris:0", "http://localhost/app/callback");
        builder.UseSetting("Smart:Clients:2:Scopes", "openid fhirUser launch launch/patient offline_access patient/*.rs");
        builder.UseSetting("Smart:Clients:3:ClientId", "portal");
        builder.UseSetting("Smart:Clients:3:Kind", "Confidential");
        builder.UseSetting("Smart:Clients:3:ClientSecret", PortalSecret);
        builder.UseSetting("Smart:Clients:3:RedirectUris:0", "http://localhost/app/callback");
        builder.UseSetting("Smart:Clients:3:Scopes", "openid fhirUser launch/patient offline_access patient/*.rs");
        builder.UseSetting("Smart:Users:0:Username", "rivera");
        builder.UseSetting("Smart:Users:0:Password", "correct horse");
        builder.UseSetting("Smart:Users:0:FhirUser", "Practitioner/dr-rivera");
        foreach (var (key, value) in Settings)
        {
            builder.UseSetting(key, value);
        }
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (OwnsDatabase)
        {
            await Database.DropAsync();
        }
    }

    public HttpClient CreateFhirClient(string? accessToken = null)
    {
        var client = CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri("http://localhost/fhir/"), AllowAutoRedirect = false });
        client.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/fhir+json"));
        if (accessToken is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        }

        return client;
    }

    /// <summary>A SMART Backend Services client assertion (typ JWT, aud = token endpoint), signed with <paramref name="key"/>.</summary>
    public static string Assertion(string clientId, SecurityKey key, string algorithm, string? jti = null, TimeSpan? expiresIn = null, string audience = TokenEndpoint)
    {
        var now = DateTime.UtcNow;
        var expires = now + (expiresIn ?? TimeSpan.FromMinutes(4));
        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = clientId,
            Audience = audience,
            Claims = new Dictionary<string, object> { ["sub"] = clientId, ["jti"] = jti ?? Guid.NewGuid().ToString("N") },
            IssuedAt = expires < now ? expires.AddMinutes(-1) : now,
            Expires = expires,
            TokenType = "JWT",
            SigningCredentials = new SigningCredentials(key, algorithm),
        });
    }

    /// <summary>POSTs a client_credentials request; returns the raw response.</summary>
    public async Task<HttpResponseMessage> RequestBackendTokenAsync(string assertion, string scope)
    {
        using var client = CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        return await client.PostAsync("/connect/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["scope"] = scope,
            ["client_assertion_type"] = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            ["client_assertion"] = assertion,
        }));
    }

    public async Task<string> EhrTokenAsync(string scope = "system/*.cruds") => await TokenAsync("ehr", EhrKey, SecurityAlgorithms.RsaSha384, scope);

    public async Task<string> GatewayTokenAsync() => await TokenAsync("gateway", GatewayKey, SecurityAlgorithms.EcdsaSha384, "system/Observation.c system/Device.c");

    public async Task<string> TokenAsync(string clientId, SecurityKey key, string algorithm, string scope)
    {
        using var response = await RequestBackendTokenAsync(Assertion(clientId, key, algorithm), scope);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        return JsonDocument.Parse(body).RootElement.GetProperty("access_token").GetString()!;
    }

    public static string Jwks(AsymmetricSecurityKey key)
    {
        var jwk = key switch
        {
            RsaSecurityKey rsa => JsonWebKeyConverter.ConvertFromRSASecurityKey(new RsaSecurityKey(rsa.Rsa.ExportParameters(false)) { KeyId = rsa.KeyId }),
            ECDsaSecurityKey ec => JsonWebKeyConverter.ConvertFromECDsaSecurityKey(new ECDsaSecurityKey(ECDsa.Create(ec.ECDsa.ExportParameters(false))) { KeyId = ec.KeyId }),
            _ => throw new ArgumentException("RSA or EC only", nameof(key)),
        };
        var json = new Dictionary<string, object?> { ["kty"] = jwk.Kty, ["kid"] = jwk.Kid };
        if (jwk.Kty == "RSA")
        {
            json["n"] = jwk.N;
            json["e"] = jwk.E;
        }
        else
        {
            json["crv"] = jwk.Crv;
            json["x"] = jwk.X;
            json["y"] = jwk.Y;
        }

        return JsonSerializer.Serialize(new { keys = new[] { json } });
    }
}
