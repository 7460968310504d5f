using FhirKetamine.Server.Rest;

using Hl7.Fhir.Model;

namespace FhirKetamine.Server.Smart;

/// <summary>
/// <c>CapabilityStatement.rest.security</c> as SMART App Launch 2.x asks of a server (§Conformance): the
/// <c>SMART-on-FHIR</c> service and, for the embedded server, the <c>oauth-uris</c> extension, so that
/// clients reading only <c>/metadata</c> (older ones do) find the endpoints that the discovery document
/// also lists.
/// </summary>
internal static class SmartCapability
{
    private const string OAuthUris = "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris";

    public static void AddSecurity(CapabilityStatement statement, HttpContext http, IConfiguration configuration)
    {
        var mode = CallerAccess.Mode(configuration);
        if (mode == "Disabled" || statement.Rest.Count == 0)
        {
            return;
        }

        var security = new CapabilityStatement.SecurityComponent
        {
            Cors = true,
            Service = [new CodeableConcept("http://terminology.hl7.org/CodeSystem/restful-security-service", "SMART-on-FHIR", "SMART-on-FHIR")],
        };
        if (mode == "Embedded")
        {
            var issuer = SmartConfiguration.Issuer(http, configuration);
            var uris = new Extension { Url = OAuthUris };
            foreach (var (name, path) in new[] { ("authorize", "authorize"), ("token", "token"), ("introspect", "introspect"), ("revoke", "revoke") })
            {
                uris.Extension.Add(new Extension(name, new FhirUri($"{issuer}/connect/{path}")));
            }

            security.Extension.Add(uris);
            security.Description = $"SMART App Launch 2.x and Backend Services; discovery at {http.BaseUrl()}/.well-known/smart-configuration";
        }
        else
        {
            security.Description = $"Bearer JWTs issued by {configuration["Auth:Authority"]} (SMART scopes)";
        }

        statement.Rest[0].Security = security;
    }
}
