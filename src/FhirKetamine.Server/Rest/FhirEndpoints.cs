using System.Net;

using FhirKetamine.Core.Rest;
using FhirKetamine.Server.Export;
using FhirKetamine.Server.Search;
using FhirKetamine.Server.Terminology;
using FhirKetamine.Server.Validation;

using Hl7.Fhir.Model;

namespace FhirKetamine.Server.Rest;

/// <summary>
/// The FHIR REST route table (R4 http.html) under <c>/fhir</c>: about twenty generic route shapes, each a
/// named static handler that maps the request to Core and returns a <see cref="FhirResult"/>.
/// </summary>
internal static class FhirEndpoints
{
    public static IServiceCollection AddFhirRouting(this IServiceCollection services) =>
        services.Configure<RouteOptions>(o => o.ConstraintMap["fhirResource"] = typeof(FhirResourceConstraint));

    public static void MapFhirEndpoints(this IEndpointRouteBuilder app)
    {
        var fhir = app.MapGroup("/fhir").RequireAuthorization(Smart.CallerAccess.FhirPolicy);
        fhir.AddEndpointFilter<Audit.AuditFilter>();
        fhir.MapGet("metadata", Capabilities).AllowAnonymous().WithName("capabilities");
        fhir.MapPost("", BatchOrTransactionAsync).WithName("batch");
        fhir.MapGet("_history", (HttpContext http, ResourceInteractions rest, CancellationToken ct) =>
            Run(rest, http.ToFhirRequest(Interaction.HistorySystem), ct)).WithName("history-system");

        fhir.MapGet("{type:fhirResource}", (string type, HttpContext http, ResourceInteractions rest, CancellationToken ct) =>
            Run(rest, http.ToFhirRequest(Interaction.SearchType, type), ct)).WithName("search-type");
        fhir.MapPost("{type:fhirResource}/_search", SearchPostAsync).WithName("search-type-post");
        fhir.MapValidateOperation();
        fhir.MapTerminologyOperations();
        fhir.MapPatientOperations();
        fhir.MapPost("{type:fhirResource}", CreateAsync).WithName("create");
        fhir.MapPut("{type:fhirResource}", ConditionalUpdateAsync).WithName("conditional-update");
        fhir.MapDelete("{type:fhirResource}", (string type, HttpContext http, ResourceInteractions rest, CancellationToken ct) =>
            Run(rest, http.ToFhirRequest(Interaction.Delete, type) with { IsConditional = true }, ct)).WithName("conditional-delete");
        fhir.MapPatch("{type:fhirResource}", (string type, HttpContext http, ResourceInteractions rest, CancellationToken ct) =>
            PatchAsync(http, rest, http.ToFhirRequest(Interaction.Patch, type) with { IsConditional = true }, ct)).WithName("conditional-patch");
        fhir.MapGet("{type:fhirResource}/_history", (string type, HttpContext http, ResourceInteractions rest, CancellationToken ct) =>
            Run(rest, http.ToFhirRequest(Interaction.HistoryType, type), ct)).WithName("history-type");

        fhir.MapGet("{type:fhirResource}/{id}", (string type, string id, HttpContext http, ResourceInteractions rest, CancellationToken ct) =>
            Run(rest, http.ToFhirRequest(Interaction.Read, type, id), ct)).WithName("read");
        fhir.MapPut("{type:fhirResource}/{id}", UpdateAsync).WithName("update");
        fhir.MapPatch("{type:fhirResource}/{id}", (string type, string id, HttpContext http, ResourceInteractions rest, CancellationToken ct) =>
            PatchAsync(http, rest, http.ToFhirRequest(Interaction.Patch, type, id), ct)).WithName("patch");
        fhir.MapDelete("{type:fhirResource}/{id}", (string type, string id, HttpContext http, ResourceInteractions rest, CancellationToken ct) =>
            Run(rest, http.ToFhirRequest(Interaction.Delete, type, id), ct)).WithName("delete");
        fhir.MapGet("{type:fhirResource}/{id}/_history", (string type, string id, HttpContext http, ResourceInteractions rest, CancellationToken ct) =>
            Run(rest, http.ToFhirRequest(Interaction.HistoryInstance, type, id), ct)).WithName("history-instance");
        fhir.MapGet("{type:fhirResource}/{id}/_history/{vid}", (string type, string id, string vid, HttpContext http, ResourceInteractions rest, CancellationToken ct) =>
            Run(rest, http.ToFhirRequest(Interaction.VRead, type, id, vid), ct)).WithName("vread");

        fhir.MapExportEndpoints();
        fhir.MapReindexEndpoints();
        fhir.MapFallback(UnknownPath);
    }

    private static async Task<IResult> Run(ResourceInteractions rest, FhirRequest request, CancellationToken ct) =>
        new FhirResult(await rest.HandleAsync(request, ct));

    private static IResult Capabilities(HttpContext http, CapabilityStatementBuilder builder, IConfiguration configuration)
    {
        var statement = builder.Build(http.BaseUrl(), typeof(FhirEndpoints).Assembly.GetName().Version?.ToString() ?? "0");
        Smart.SmartCapability.AddSecurity(statement, http, configuration);
        return new FhirResult(new FhirResponse(HttpStatusCode.OK) { Resource = statement });
    }

    private static async Task<IResult> CreateAsync(string type, HttpContext http, ResourceInteractions rest, CancellationToken ct)
    {
        var resource = await http.ReadResourceAsync(ct);
        return await Run(rest, http.ToFhirRequest(Interaction.Create, type) with { Resource = resource }, ct);
    }

    private static async Task<IResult> UpdateAsync(string type, string id, HttpContext http, ResourceInteractions rest, CancellationToken ct)
    {
        var resource = await http.ReadResourceAsync(ct);
        return await Run(rest, http.ToFhirRequest(Interaction.Update, type, id) with { Resource = resource }, ct);
    }

    private static async Task<IResult> ConditionalUpdateAsync(string type, HttpContext http, ResourceInteractions rest, CancellationToken ct)
    {
        var resource = await http.ReadResourceAsync(ct);
        return await Run(rest, http.ToFhirRequest(Interaction.Update, type) with { Resource = resource, IsConditional = true }, ct);
    }

    private static async Task<IResult> PatchAsync(HttpContext http, ResourceInteractions rest, FhirRequest request, CancellationToken ct)
    {
        var media = http.Request.ContentType?.Split(';')[0].Trim().ToLowerInvariant();
        if (media == FhirHttp.JsonPatchType)
        {
            var body = await FhirHttp.ReadBodyAsync(http, ct);
            return await Run(rest, request with { PatchFormat = PatchFormat.JsonPatch, PatchDocument = System.Text.Encoding.UTF8.GetString(body) }, ct);
        }

        if (media is FhirHttp.JsonType or FhirHttp.XmlType or "application/json" or "application/xml")
        {
            var resource = await http.ReadResourceAsync(ct);
            return resource is Parameters
                ? await Run(rest, request with { PatchFormat = PatchFormat.FhirPathPatch, Resource = resource }, ct)
                : throw FhirException.BadRequest("A FHIRPath Patch must be a Parameters resource.");
        }

        throw new FhirException(HttpStatusCode.UnsupportedMediaType, OperationOutcome.IssueType.NotSupported,
            $"PATCH takes {FhirHttp.JsonPatchType} (JSON Patch) or {FhirHttp.JsonType} (FHIRPath Patch Parameters), not '{media}'.");
    }

    private static async Task<IResult> SearchPostAsync(string type, HttpContext http, ResourceInteractions rest, CancellationToken ct)
    {
        if (!http.Request.HasFormContentType)
        {
            throw new FhirException(HttpStatusCode.UnsupportedMediaType, OperationOutcome.IssueType.NotSupported,
                "POST _search takes application/x-www-form-urlencoded parameters.");
        }

        var form = await http.Request.ReadFormAsync(ct);
        var request = http.ToFhirRequest(Interaction.SearchType, type);
        var parameters = request.Parameters.Concat(form.SelectMany(f => f.Value.Select(v => new KeyValuePair<string, string>(f.Key, v ?? string.Empty)))).ToList();
        return await Run(rest, request with { Parameters = parameters }, ct);
    }

    private static async Task<IResult> BatchOrTransactionAsync(HttpContext http, BundleProcessor bundles, CancellationToken ct)
    {
        var resource = await http.ReadResourceAsync(ct);
        if (resource is not Bundle bundle)
        {
            throw FhirException.BadRequest($"Only a batch or transaction Bundle can be posted to the base URL, not a {resource.TypeName}.");
        }

        var request = http.ToFhirRequest(bundle.Type == Bundle.BundleType.Batch ? Interaction.Batch : Interaction.Transaction);
        return new FhirResult(await bundles.ProcessAsync(bundle, request.Access, request.BaseUrl, ct));
    }

    private static IResult UnknownPath(HttpContext http)
    {
        var segments = http.Request.Path.Value?.Split('/', StringSplitOptions.RemoveEmptyEntries) ?? [];
        var type = segments.Length > 1 ? segments[1] : null;
        if (type is not null && !ModelInfo.IsKnownResource(type) && !type.StartsWith('$') && type != "_history")
        {
            throw FhirException.NotFound($"'{type}' is not a FHIR R4 resource type.");
        }

        // A known type with a path shape the route table has under another method: 405 (R4 http.html).
        throw type is not null && segments.Length <= 5
            ? new FhirException(HttpStatusCode.MethodNotAllowed, OperationOutcome.IssueType.NotSupported, $"{http.Request.Method} is not allowed on {http.Request.Path}.")
            : new FhirException(HttpStatusCode.NotFound, OperationOutcome.IssueType.NotSupported, $"No FHIR interaction answers {http.Request.Method} {http.Request.Path}.");
    }
}
