using System.Security.Cryptography;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.IdentityModel.Tokens;

namespace FhirKetamine.Server.Smart;

/// <summary>
/// <c>smart new-client --id X --scopes "system/Observation.c" [--alg RS384|ES384] [--kid K]</c>: generates a key pair for
/// a Backend Services client (an EHR, a device gateway) and prints, without starting the server, the
/// <c>Smart:Clients</c> entry to register (public JWKS only) and the private key to give to the client (PKCS#8 PEM and
/// JWK). Nothing is written anywhere: the operator copies the entry into configuration.
/// </summary>
public static class NewClientCommand
{
    public const string ConfigHeader = "# 1. Register the client: add this object to Smart:Clients (appsettings.json or equivalent), then restart.";
    public const string PemHeader = "# 2. Give the client its private key (PKCS#8 PEM). Keep it secret; the server never needs it.";
    public const string JwkHeader = "# 3. The same private key as a JWK, for client libraries that take one.";

    // Relaxed escaping keeps the Jwks string readable (\" rather than \u0022); the output is copied into JSON configuration, not HTML.
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static int Run(IReadOnlyList<string> args, TextWriter output, TextWriter error)
    {
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Count; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Count)
            {
                return Usage(error, $"Unexpected argument '{args[i]}'.");
            }

            options[args[i][2..]] = args[++i];
        }

        if (!options.TryGetValue("id", out var id) || string.IsNullOrWhiteSpace(id) || !options.TryGetValue("scopes", out var scopes) || string.IsNullOrWhiteSpace(scopes))
        {
            return Usage(error, "--id and --scopes are required.");
        }

        var alg = options.GetValueOrDefault("alg", SecurityAlgorithms.RsaSha384);
        if (alg is not (SecurityAlgorithms.RsaSha384 or SecurityAlgorithms.EcdsaSha384))
        {
            return Usage(error, $"--alg must be RS384 or ES384, not '{alg}'.");
        }

        var kid = options.GetValueOrDefault("kid", $"{id}-{DateTime.UtcNow:yyyyMMdd}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}");
        var (publicJwk, privateJwk, pem) = Generate(alg, kid);
        var entry = new Dictionary<string, object>
        {
            ["ClientId"] = id,
            ["Kind"] = "Backend",
            ["Scopes"] = scopes,
            ["Jwks"] = JsonSerializer.Serialize(new { keys = new[] { publicJwk } }),
        };
        output.WriteLine(ConfigHeader);
        output.WriteLine(JsonSerializer.Serialize(entry, Indented));
        output.WriteLine();
        output.WriteLine(PemHeader);
        output.WriteLine(pem);
        output.WriteLine();
        output.WriteLine(JwkHeader);
        output.WriteLine(JsonSerializer.Serialize(privateJwk, Indented));
        return 0;
    }

    private static (Dictionary<string, string> Public, Dictionary<string, string> Private, string Pem) Generate(string alg, string kid)
    {
        if (alg == SecurityAlgorithms.RsaSha384)
        {
            using var rsa = RSA.Create(2048);
            var p = rsa.ExportParameters(true);
            var pub = new Dictionary<string, string>
            {
                ["kty"] = "RSA", ["kid"] = kid, ["alg"] = alg, ["use"] = "sig",
                ["n"] = Base64UrlEncoder.Encode(p.Modulus), ["e"] = Base64UrlEncoder.Encode(p.Exponent),
            };
            var priv = new Dictionary<string, string>(pub)
            {
                ["d"] = Base64UrlEncoder.Encode(p.D), ["p"] = Base64UrlEncoder.Encode(p.P), ["q"] = Base64UrlEncoder.Encode(p.Q),
                ["dp"] = Base64UrlEncoder.Encode(p.DP), ["dq"] = Base64UrlEncoder.Encode(p.DQ), ["qi"] = Base64UrlEncoder.Encode(p.InverseQ),
            };
            return (pub, priv, rsa.ExportPkcs8PrivateKeyPem());
        }

        using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        var e = ec.ExportParameters(true);
        var ecPublic = new Dictionary<string, string>
        {
            ["kty"] = "EC", ["kid"] = kid, ["alg"] = alg, ["use"] = "sig", ["crv"] = "P-384",
            ["x"] = Base64UrlEncoder.Encode(e.Q.X), ["y"] = Base64UrlEncoder.Encode(e.Q.Y),
        };
        var ecPrivate = new Dictionary<string, string>(ecPublic) { ["d"] = Base64UrlEncoder.Encode(e.D) };
        return (ecPublic, ecPrivate, ec.ExportPkcs8PrivateKeyPem());
    }

    private static int Usage(TextWriter error, string problem)
    {
        error.WriteLine(problem);
        error.WriteLine("Usage: smart new-client --id <client-id> --scopes \"system/Observation.c system/Device.c\" [--alg RS384|ES384] [--kid <key-id>]");
        return 2;
    }
}
