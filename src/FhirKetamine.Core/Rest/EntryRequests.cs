using System.Globalization;
using System.Text;
using FhirKetamine.Core.Smart;
using Hl7.Fhir.Model;

namespace FhirKetamine.Core.Rest;

/// <summary>Turns a Bundle entry's request (method, relative URL, conditional headers, resource) into a <see cref="FhirRequest"/>.</summary>
public static class EntryRequests
{
    public static FhirRequest From(Bundle.EntryComponent entry, SmartAccess access, string baseUrl)
    {
        var request = entry.Request ?? throw FhirException.BadRequest("Every entry of a batch or transaction needs a request (method and url).");
        var url = request.Url ?? throw FhirException.BadRequest("An entry request has no url.");
        if (url.StartsWith(baseUrl + "/", StringComparison.Ordinal))
        {
            url = url[(baseUrl.Length + 1)..];
        }

        var question = url.IndexOf('?', StringComparison.Ordinal);
        var path = question < 0 ? url : url[..question];
        var parameters = question < 0 ? [] : QueryString.Parse(url[(question + 1)..]);
        var segments = path.Trim('/').Split('/', StringSplitOptions.RemoveEmptyEntries);
        var type = segments.Length > 0 ? segments[0] : null;
        if (type is not null && type != "_history" && !ModelInfo.IsKnownResource(type))
        {
            throw FhirException.NotFound($"Unknown resource type '{type}' in entry url '{request.Url}'.");
        }

        var baseRequest = new FhirRequest(Interaction.Read, access)
        {
            ResourceType = type == "_history" ? null : type,
            Parameters = parameters,
            BaseUrl = baseUrl,
            IfMatch = request.IfMatch,
            IfNoneExist = request.IfNoneExist,
            IfNoneMatch = request.IfNoneMatch,
            IfModifiedSince = request.IfModifiedSince,
            Resource = entry.Resource,
        };

        return (request.Method, segments) switch
        {
            (Bundle.HTTPVerb.GET or Bundle.HTTPVerb.HEAD, ["_history"]) => baseRequest with { Interaction = Interaction.HistorySystem },
            (Bundle.HTTPVerb.GET or Bundle.HTTPVerb.HEAD, [_]) => baseRequest with { Interaction = Interaction.SearchType },
            (Bundle.HTTPVerb.GET or Bundle.HTTPVerb.HEAD, [_, "_history"]) => baseRequest with { Interaction = Interaction.HistoryType },
            (Bundle.HTTPVerb.GET or Bundle.HTTPVerb.HEAD, [_, var id]) => baseRequest with { Interaction = Interaction.Read, Id = id },
            (Bundle.HTTPVerb.GET or Bundle.HTTPVerb.HEAD, [_, var id, "_history"]) => baseRequest with { Interaction = Interaction.HistoryInstance, Id = id },
            (Bundle.HTTPVerb.GET or Bundle.HTTPVerb.HEAD, [_, var id, "_history", var vid]) => baseRequest with { Interaction = Interaction.VRead, Id = id, VersionId = vid },
            (Bundle.HTTPVerb.POST, [_, "_search"]) => baseRequest with { Interaction = Interaction.SearchType },
            (Bundle.HTTPVerb.POST, [_]) => baseRequest with { Interaction = Interaction.Create },
            (Bundle.HTTPVerb.PUT, [_]) when question >= 0 => baseRequest with { Interaction = Interaction.Update, IsConditional = true },
            (Bundle.HTTPVerb.PUT, [_, var id]) => baseRequest with { Interaction = Interaction.Update, Id = id },
            (Bundle.HTTPVerb.DELETE, [_]) when question >= 0 => baseRequest with { Interaction = Interaction.Delete, IsConditional = true },
            (Bundle.HTTPVerb.DELETE, [_, var id]) => baseRequest with { Interaction = Interaction.Delete, Id = id },
            (Bundle.HTTPVerb.PATCH, [_]) when question >= 0 => Patch(baseRequest with { IsConditional = true }, entry),
            (Bundle.HTTPVerb.PATCH, [_, var id]) => Patch(baseRequest with { Id = id }, entry),
            _ => throw FhirException.BadRequest($"'{request.Method} {request.Url}' is not an interaction a batch or transaction entry can carry."),
        };
    }

    /// <summary>In a Bundle a JSON Patch travels as a Binary (R4 http.html#patch); a FHIRPath Patch as Parameters.</summary>
    private static FhirRequest Patch(FhirRequest request, Bundle.EntryComponent entry) => entry.Resource switch
    {
        Binary { ContentType: "application/json-patch+json", Data: { } data } => request with
        {
            Interaction = Interaction.Patch, PatchFormat = Rest.PatchFormat.JsonPatch, PatchDocument = Encoding.UTF8.GetString(data), Resource = null,
        },
        Parameters => request with { Interaction = Interaction.Patch, PatchFormat = Rest.PatchFormat.FhirPathPatch },
        _ => throw FhirException.BadRequest("A PATCH entry needs a Binary (application/json-patch+json) or a Parameters (FHIRPath Patch) resource."),
    };

    /// <summary>The entry response status line, e.g. "201 Created".</summary>
    public static string StatusLine(System.Net.HttpStatusCode status) =>
        string.Create(CultureInfo.InvariantCulture, $"{(int)status} {status switch
        {
            System.Net.HttpStatusCode.OK => "OK",
            System.Net.HttpStatusCode.Created => "Created",
            System.Net.HttpStatusCode.NoContent => "No Content",
            System.Net.HttpStatusCode.NotModified => "Not Modified",
            System.Net.HttpStatusCode.BadRequest => "Bad Request",
            System.Net.HttpStatusCode.NotFound => "Not Found",
            System.Net.HttpStatusCode.Gone => "Gone",
            System.Net.HttpStatusCode.Conflict => "Conflict",
            System.Net.HttpStatusCode.PreconditionFailed => "Precondition Failed",
            System.Net.HttpStatusCode.UnprocessableEntity => "Unprocessable Entity",
            System.Net.HttpStatusCode.Forbidden => "Forbidden",
            _ => status.ToString(),
        }}");
}
