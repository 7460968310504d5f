using System.Net;

using FhirKetamine.Core.Rest;
using FhirKetamine.Core.Terminology;
using FhirKetamine.Server.Rest;

using Hl7.Fhir.Model;

namespace FhirKetamine.Server.Terminology;

/// <summary>
/// The terminology operations (R4 terminology-service.html): <c>ValueSet/$expand</c> and <c>ValueSet/$validate-code</c>
/// at type and instance level, <c>CodeSystem/$lookup</c>, <c>CodeSystem/$validate-code</c> at type and instance level;
/// GET with query parameters or POST with a Parameters body. Authorised like <c>$validate</c>: any authenticated
/// caller at type level (conformance data, no patient data); an instance is read through the read interaction,
/// so its scope applies.
/// </summary>
internal static class TerminologyEndpoints
{
    private static readonly string[] GetAndPost = [HttpMethods.Get, HttpMethods.Post];

    public static void MapTerminologyOperations(this RouteGroupBuilder fhir)
    {
        fhir.MapMethods("ValueSet/$expand", GetAndPost, (HttpContext http, TerminologyOperations terminology, ResourceInteractions rest, CancellationToken ct) =>
            RunAsync(http, rest, TerminologyParameters.Expand, null, async (args, instance) => await terminology.ExpandAsync(args, (ValueSet?)instance, ct), ct)).WithName("valueset-expand");
        fhir.MapMethods("ValueSet/{id}/$expand", GetAndPost, (string id, HttpContext http, TerminologyOperations terminology, ResourceInteractions rest, CancellationToken ct) =>
            RunAsync(http, rest, TerminologyParameters.Expand, id, async (args, instance) => await terminology.ExpandAsync(args, (ValueSet?)instance, ct), ct)).WithName("valueset-expand-instance");
        fhir.MapMethods("ValueSet/$validate-code", GetAndPost, (HttpContext http, TerminologyOperations terminology, ResourceInteractions rest, CancellationToken ct) =>
            RunAsync(http, rest, TerminologyParameters.ValueSetValidateCode, null, async (args, instance) => await terminology.ValidateValueSetCodeAsync(args, (ValueSet?)instance, ct), ct)).WithName("valueset-validate-code");
        fhir.MapMethods("ValueSet/{id}/$validate-code", GetAndPost, (string id, HttpContext http, TerminologyOperations terminology, ResourceInteractions rest, CancellationToken ct) =>
            RunAsync(http, rest, TerminologyParameters.ValueSetValidateCode, id, async (args, instance) => await terminology.ValidateValueSetCodeAsync(args, (ValueSet?)instance, ct), ct)).WithName("valueset-validate-code-instance");
        fhir.MapMethods("CodeSystem/$lookup", GetAndPost, (HttpContext http, TerminologyOperations terminology, ResourceInteractions rest, CancellationToken ct) =>
            RunAsync(http, rest, TerminologyParameters.Lookup, null, async (args, _) => await terminology.LookupAsync(args, ct), ct)).WithName("codesystem-lookup");
        fhir.MapMethods("CodeSystem/$validate-code", GetAndPost, (HttpContext http, TerminologyOperations terminology, ResourceInteractions rest, CancellationToken ct) =>
            RunAsync(http, rest, TerminologyParameters.CodeSystemValidateCode, null, async (args, instance) => await terminology.ValidateCodeSystemCodeAsync(args, (CodeSystem?)instance, ct), ct)).WithName("codesystem-validate-code");
        fhir.MapMethods("CodeSystem/{id}/$validate-code", GetAndPost, (string id, HttpContext http, TerminologyOperations terminology, ResourceInteractions rest, CancellationToken ct) =>
            RunAsync(http, rest, TerminologyParameters.CodeSystemValidateCode, id, async (args, instance) => await terminology.ValidateCodeSystemCodeAsync(args, (CodeSystem?)instance, ct), ct)).WithName("codesystem-validate-code-instance");
    }

    private static async Task<IResult> RunAsync(
        HttpContext http, ResourceInteractions rest, string operation, string? id, Func<OperationArguments, Resource?, Task<Resource>> run, CancellationToken ct)
    {
        Parameters? body = null;
        if (HttpMethods.IsPost(http.Request.Method) && http.Request.ContentLength is not 0)
        {
            var posted = await http.ReadResourceAsync(ct);
            body = posted as Parameters ?? throw FhirException.BadRequest($"POST {operation} takes a Parameters resource, not a {posted.TypeName}.", "resourceType");
        }

        var query = http.Request.Query.SelectMany(q => q.Value.Select(v => new KeyValuePair<string, string>(q.Key, v ?? string.Empty)));
        var args = OperationArguments.Read(operation, query, body);
        Resource? instance = null;
        if (id is not null)
        {
            // Through the read interaction: the caller's scope on the type applies, and an unknown id is 404.
            var type = operation.Split('/')[0];
            var read = http.ToFhirRequest(Interaction.Read, type, id) with { Parameters = [], IfNoneMatch = null, IfModifiedSince = null };
            var stored = await rest.HandleAsync(read, ct);
            instance = stored.Resource ?? http.RequestServices.GetRequiredService<FhirSerialization>().ParseStored(stored.StoredJson!);
        }

        return new FhirResult(new FhirResponse(HttpStatusCode.OK) { Resource = await run(args, instance) });
    }
}
