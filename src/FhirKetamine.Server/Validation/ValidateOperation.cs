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
            var body = await ReadValidatingAsync(type, http, validator, profiles, ct);
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

        var outcome = await validator.ValidateAsync(resource, profiles, ct, http.BaseUrl());
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

    /// <summary>
    /// The body as a resource; when it does not parse (400), the outcome also holds the validator's issues
    /// on what the parser could recover, so the client sees every problem at once (the HL7 validator does the same).
    /// </summary>
    private static async Task<Resource> ReadValidatingAsync(string type, HttpContext http, ResourceValidator validator, IReadOnlyCollection<string> profiles, CancellationToken ct)
    {
        var format = FhirHttp.RequestFormat(http);
        var body = await FhirHttp.ReadBodyAsync(http, ct);
        var fhir = http.RequestServices.GetRequiredService<FhirSerialization>();
        try
        {
            return fhir.Parse(body, format);
        }
        catch (FhirException ex) when (ex.Status == HttpStatusCode.BadRequest && fhir.ParseRecovered(body, format) is { } partial && partial.TypeName == type)
        {
            var outcome = await validator.ValidateAsync(partial, profiles, ct, http.BaseUrl());
            var parsed = ex.Outcome.Issue.Select(ParsePath).OfType<string>().ToHashSet(StringComparer.Ordinal);
            var codes = ex.Outcome.Issue.Where(i => (i.Diagnostics ?? string.Empty).Contains("is not a correct code for valueset", StringComparison.Ordinal))
                .Select(ParsePath).OfType<string>().ToHashSet(StringComparer.Ordinal);
            ex.Outcome.Issue.AddRange(outcome.Issue.Where(i => !SaidByParser(i, parsed, codes)));
            throw;
        }
    }

    /// <summary>
    /// Whether the validator only repeats what the parser said: the same element (or an unknown element again).
    /// A code outside an enumeration is both a syntax error and a required-binding error, so both stay.
    /// </summary>
    private static bool SaidByParser(OperationOutcome.IssueComponent issue, HashSet<string> parsed, HashSet<string> codes)
    {
        if ((issue.Text() ?? string.Empty).StartsWith("Encountered unknown child elements", StringComparison.Ordinal))
        {
            return parsed.Count > 0;
        }

        var path = issue.Expression.FirstOrDefault() is { } e ? WithoutIndexes(e) : null;
        return path is not null && parsed.Contains(path) && !codes.Contains(path);
    }

    /// <summary>The element a parser issue is about ("… At Patient.gender, line 3, position 4."), without indexes.</summary>
    private static string? ParsePath(OperationOutcome.IssueComponent issue)
    {
        if (issue.Expression.FirstOrDefault() is { Length: > 0 } expression)
        {
            return WithoutIndexes(expression);
        }

        var match = System.Text.RegularExpressions.Regex.Match(issue.Diagnostics ?? string.Empty, @" At ([^\s,]+), line \d+");
        return match.Success ? WithoutIndexes(match.Groups[1].Value) : null;
    }

    private static string WithoutIndexes(string path) => System.Text.RegularExpressions.Regex.Replace(path, @"\[\d+\]", string.Empty);

    private static FhirResult Ok(OperationOutcome outcome) => new(new FhirResponse(HttpStatusCode.OK) { Resource = outcome });
}