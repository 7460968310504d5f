using System.Net;

using FhirKetamine.Core.Rest;
using FhirKetamine.Core.Validation;
using FhirKetamine.Server.Rest;

using Hl7.Fhir.Model;

namespace FhirKetamine.Server.Validation;

/// <summary>
/// <c>$validate</c> (R4 resource-operation-validate) at type and instance level: the body is the resource
/// or a Parameters with <c>resource</c>, <c>profile</c> and <c>mode</c> (also accepted in the query). Answers
/// 200 with the OperationOutcome a write of the resource would produce; nothing is stored.
/// </summary>
internal static class ValidateOperation
{
    public static void MapValidateOperation(this RouteGroupBuilder fhir)
    {
        fhir.MapPost("{type:fhirResource}/$validate", (string type, HttpContext http, ResourceValidator validator, ResourceInteractions rest, CancellationToken ct) =>
            RunAsync(type, null, http, validator, rest, ct)).WithName("validate-type");
        fhir.MapPost("{type:fhirResource}/{id}/$validate", (string type, string id, HttpContext http, ResourceValidator validator, ResourceInteractions rest, CancellationToken ct) =>
            RunAsync(type, id, http, validator, rest, ct)).WithName("validate-instance");
        fhir.MapGet("{type:fhirResource}/{id}/$validate", (string type, string id, HttpContext http, ResourceValidator validator, ResourceInteractions rest, CancellationToken ct) =>
            RunAsync(type, id, http, validator, rest, ct)).WithName("validate-instance-get");
    }

    private static async Task<IResult> RunAsync(string type, string? id, HttpContext http, ResourceValidator validator, ResourceInteractions rest, CancellationToken ct)
    {
        var profiles = http.Request.Query["profile"].OfType<string>().ToList();
        var mode = http.Request.Query["mode"].ToString() is { Length: > 0 } m ? m : null;
        Resource? resource = null;
        if (HttpMethods.IsPost(http.Request.Method) && http.Request.ContentLength is not 0)
        {
            var body = await http.ReadResourceAsync(ct);
            if (body is Parameters parameters && type != "Parameters")
            {
                resource = parameters.Parameter.FirstOrDefault(p => p.Name == "resource")?.Resource;
                profiles.AddRange(parameters.Parameter.Where(p => p.Name == "profile").Select(p => p.Value?.ToString()).OfType<string>());
                mode = parameters.Parameter.FirstOrDefault(p => p.Name == "mode")?.Value?.ToString() ?? mode;
            }
            else
            {
                resource = body;
            }
        }

        if (mode is not (null or "create" or "update" or "delete"))
        {
            throw FhirException.BadRequest($"$validate mode '{mode}' is not supported; use create, update or delete.", "Parameters.parameter.where(name = 'mode')");
        }

        if (mode is "update" or "delete" && id is null)
        {
            throw FhirException.BadRequest($"$validate mode={mode} needs an instance: POST {type}/[id]/$validate.");
        }

        if (resource is null && id is not null)
        {
            var stored = await rest.HandleAsync(http.ToFhirRequest(Interaction.Read, type, id), ct);
            if (mode == "delete")
            {
                return Ok(Outcomes.Information($"{type}/{id} may be deleted: this server has no rules that prevent it."));
            }

            resource = stored.Resource ?? http.RequestServices.GetRequiredService<FhirSerialization>().ParseStored(stored.StoredJson!);
        }

        if (resource is null)
        {
            throw FhirException.BadRequest("$validate needs a resource: the body, or a Parameters with a 'resource' parameter.");
        }

        if (resource.TypeName != type)
        {
            throw FhirException.BadRequest($"The resource is a {resource.TypeName}, but the URL names {type}.", "resourceType");
        }

        var outcome = await validator.ValidateAsync(resource, profiles, ct);
        if (mode == "update" && resource.Id != id)
        {
            outcome.Issue.Add(new OperationOutcome.IssueComponent
            {
                Severity = OperationOutcome.IssueSeverity.Error,
                Code = OperationOutcome.IssueType.Invalid,
                Diagnostics = $"An update of {type}/{id} must carry id '{id}', not '{resource.Id}'.",
                Expression = [$"{type}.id"],
            });
        }

        return Ok(outcome.Issue.Count > 0 ? outcome : Outcomes.Information($"{type} is valid: no issues found."));
    }

    private static FhirResult Ok(OperationOutcome outcome) => new(new FhirResponse(HttpStatusCode.OK) { Resource = outcome });
}