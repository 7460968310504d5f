using System.Globalization;

using FhirKetamine.Core.Rest;
using FhirKetamine.Server.Rest;

using Hl7.Fhir.Model;

namespace FhirKetamine.Server.Export;

/// <summary>
/// A POST kick-off's <c>Parameters</c> body (Bulk Data v2) as the name/value pairs a GET kick-off has in
/// its query: <c>_outputFormat</c>, <c>_since</c> (an instant), <c>_type</c> and <c>_typeFilter</c> (repeatable
/// or comma-separated). Other parameters reach the engine too, which refuses what it does not implement with 400.
/// </summary>
internal static class ExportParameters
{
    public static async Task<List<KeyValuePair<string, string>>> FromBodyAsync(HttpContext http, CancellationToken ct)
    {
        if (http.Request.ContentLength is 0)
        {
            return [];
        }

        if (await http.ReadResourceAsync(ct) is not Parameters body)
        {
            throw FhirException.BadRequest("A POST $export kick-off takes a Parameters resource.");
        }

        var pairs = new List<KeyValuePair<string, string>>();
        foreach (var parameter in body.Parameter)
        {
            if (parameter.Resource is not null || parameter.Part.Count > 0)
            {
                throw FhirException.BadRequest($"$export parameter '{parameter.Name}' must have a value[x] (not a resource or parts).", $"Parameters.parameter.where(name='{parameter.Name}')");
            }

            pairs.Add(new(parameter.Name ?? string.Empty, parameter.Value switch
            {
                Instant instant => instant.Value?.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ss.FFFFFFFK", CultureInfo.InvariantCulture) ?? string.Empty,
                ResourceReference reference => reference.Reference ?? string.Empty,
                PrimitiveType primitive => primitive.ToString() ?? string.Empty,
                null => throw FhirException.BadRequest($"$export parameter '{parameter.Name}' has no value.", $"Parameters.parameter.where(name='{parameter.Name}')"),
                var other => throw FhirException.BadRequest($"$export parameter '{parameter.Name}' cannot be a {other.TypeName}.", $"Parameters.parameter.where(name='{parameter.Name}')"),
            }));
        }

        return pairs;
    }
}
