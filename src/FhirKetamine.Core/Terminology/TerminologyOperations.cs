using System.Net;
using System.Text.RegularExpressions;

using FhirKetamine.Core.Rest;
using FhirKetamine.Core.Validation;

using Hl7.Fhir.Model;
using Hl7.Fhir.Rest;
using Hl7.Fhir.Specification.Source;
using Hl7.Fhir.Specification.Terminology;

namespace FhirKetamine.Core.Terminology;

/// <summary>
/// <c>ValueSet/$expand</c>, <c>ValueSet/$validate-code</c>, <c>CodeSystem/$lookup</c> and <c>CodeSystem/$validate-code</c>,
/// answered from the validator's own terminology: the same resolver (core R4, the IG package, the ValueSets and
/// CodeSystems created through the API, swapped in at once when one changes) and the same Firely terminology
/// service (<c>ValueSetExpander</c> underneath), so an operation and a binding check never disagree.
/// </summary>
public sealed partial class TerminologyOperations(ResourceValidator validator)
{
    private const string NotLoaded =
        "LOINC, SNOMED CT, RxNorm and UCUM are not loaded on this server: their codes are known only where a ValueSet lists them.";

    private const string MissingSystem =
        "This server holds the code systems of core R4, of its IG and those posted to it; " + NotLoaded;

    /// <summary>Expands a ValueSet (by <c>url</c>, a posted <c>valueSet</c> or the instance) and applies <c>filter</c>, <c>offset</c> and <c>count</c>.</summary>
    public async Task<ValueSet> ExpandAsync(OperationArguments args, ValueSet? instance, CancellationToken ct)
    {
        var (url, valueSet) = ValueSetTarget(args, instance);
        var request = new ExpandParameters { ValueSet = valueSet };
        if (url is not null)
        {
            request.Url = new FhirUri(url);
        }

        if (args.String("valueSetVersion") is { } version)
        {
            request.ValueSetVersion = new FhirString(version);
        }

        var context = await validator.ContextAsync(ct);
        Resource expanded;
        try
        {
            expanded = await ((ITerminologyService)context.LocalTerminology).Expand(request);
        }
        catch (FhirOperationException e)
        {
            throw Failure(e, Name(url, valueSet), "expanded");
        }

        // The expander keeps the expansion in the (shared) ValueSet it resolved: page a copy.
        var result = (ValueSet)expanded.DeepCopy();
        result.Expansion ??= new ValueSet.ExpansionComponent();
        Page(result.Expansion, args.String("filter"), args.Integer("offset"), args.Integer("count"));
        return result;
    }

    /// <summary>Whether a code, Coding or CodeableConcept is in a ValueSet: <c>result</c>, <c>message</c> and <c>display</c>.</summary>
    public async Task<Parameters> ValidateValueSetCodeAsync(OperationArguments args, ValueSet? instance, CancellationToken ct)
    {
        var (url, valueSet) = ValueSetTarget(args, instance);
        var request = new ValidateCodeParameters().WithValueSet(url: url, valueSet: valueSet, valueSetVersion: args.String("valueSetVersion"));
        switch (CodeInput(args, systemRequired: true))
        {
            case Coding coding when args.Has("coding"):
                request.WithCoding(coding);
                break;
            case Coding coding:
                request.WithCode(code: coding.Code, system: coding.System, display: coding.Display);
                break;
            case CodeableConcept concept:
                request.WithCodeableConcept(concept);
                break;
        }

        if (args.Boolean("abstract") is { } allowAbstract)
        {
            request.WithAbstract(allowAbstract);
        }

        var context = await validator.ContextAsync(ct);
        Parameters answer;
        try
        {
            answer = await context.Terminology.ValueSetValidateCode(request);
        }
        catch (FhirOperationException e)
        {
            throw Failure(e, Name(url, valueSet), "used to validate a code");
        }

        return Result(
            answer.GetSingleValue<FhirBoolean>("result")?.Value == true,
            answer.GetSingleValue<FhirString>("message")?.Value,
            answer.GetSingleValue<FhirString>("display")?.Value);
    }

    /// <summary>
    /// The codings of <paramref name="concept"/> that are in the ValueSet <paramref name="url"/>, each asked of the same
    /// terminology service as <c>$validate-code</c> (system and code; a display is not judged): how a rule asks whether
    /// a recorded code is in a ValueSet the clinic maintains as data. An unknown ValueSet or one that cannot be
    /// expanded throws, as <c>$validate-code</c> would answer.
    /// </summary>
    public async Task<IReadOnlyList<Coding>> MembersAsync(string url, CodeableConcept? concept, CancellationToken ct)
    {
        var codings = concept?.Coding.Where(c => c.System is not null && c.Code is not null).ToList() ?? [];
        if (codings.Count == 0)
        {
            return [];
        }

        var context = await validator.ContextAsync(ct);
        var members = new List<Coding>();
        foreach (var coding in codings)
        {
            var request = new ValidateCodeParameters().WithValueSet(url: url).WithCode(code: coding.Code, system: coding.System);
            Parameters answer;
            try
            {
                answer = await context.Terminology.ValueSetValidateCode(request);
            }
            catch (FhirOperationException e)
            {
                throw Failure(e, Name(url, null), "used to validate a code");
            }

            if (answer.GetSingleValue<FhirBoolean>("result")?.Value == true)
            {
                members.Add(coding);
            }
        }

        return members;
    }

    /// <summary>A code's details in its CodeSystem: <c>name</c>, <c>version</c>, <c>display</c>, <c>designation</c> and <c>property</c>.</summary>
    public async Task<Parameters> LookupAsync(OperationArguments args, CancellationToken ct)
    {
        var coding = (Coding)CodeInput(args, systemRequired: true, allowConcept: false);
        var version = args.String("version") ?? coding.Version;
        var context = await validator.ContextAsync(ct);
        var codeSystem = await FindCodeSystemAsync(context, coding.System!, version);
        var (concept, parent) = Find(codeSystem, codeSystem.Concept, coding.Code!, null);
        if (concept is null)
        {
            throw FhirException.NotFound($"Code '{coding.Code}' is not in code system '{codeSystem.Url}'{Partial(codeSystem)}.");
        }

        var wanted = args.Strings("property");
        bool Wants(string property) => wanted.Count == 0 || wanted.Contains(property);
        var answer = new Parameters();
        answer.Add("name", new FhirString(codeSystem.Title ?? codeSystem.Name ?? codeSystem.Url));
        if (codeSystem.Version is { } csVersion)
        {
            answer.Add("version", new FhirString(csVersion));
        }

        if (concept.Display is { } display)
        {
            answer.Add("display", new FhirString(display));
        }

        foreach (var designation in Wants("designation") ? concept.Designation : [])
        {
            var parts = new List<Parameters.ParameterComponent>();
            if (designation.Language is { } language)
            {
                parts.Add(Part("language", new Code(language)));
            }

            if (designation.Use is { } use)
            {
                parts.Add(Part("use", use));
            }

            parts.Add(Part("value", new FhirString(designation.Value)));
            answer.Parameter.Add(new Parameters.ParameterComponent { Name = "designation", Part = parts });
        }

        var properties = new List<(string Code, DataType Value)>();
        if (concept.Definition is { } definition)
        {
            properties.Add(("definition", new FhirString(definition)));
        }

        properties.AddRange(concept.Property.Where(p => p.Code is not null && p.Value is not null).Select(p => (p.Code!, p.Value)));
        if (parent is not null)
        {
            properties.Add(("parent", new Code(parent.Code)));
        }

        properties.AddRange(concept.Concept.Select(child => ("child", (DataType)new Code(child.Code))));
        foreach (var (code, value) in properties.Where(p => Wants(p.Code)))
        {
            answer.Parameter.Add(new Parameters.ParameterComponent { Name = "property", Part = [Part("code", new Code(code)), Part("value", value)] });
        }

        return answer;
    }

    /// <summary>Whether a code is in a CodeSystem (by <c>url</c>, a posted <c>codeSystem</c> or the instance).</summary>
    public async Task<Parameters> ValidateCodeSystemCodeAsync(OperationArguments args, CodeSystem? instance, CancellationToken ct)
    {
        var posted = args.Resource<CodeSystem>("codeSystem");
        var url = args.String("url");
        if (new object?[] { instance, posted, url }.Count(x => x is not null) != 1)
        {
            throw FhirException.BadRequest(instance is null
                ? $"{args.Operation} needs exactly one of 'url' or 'codeSystem'."
                : $"{args.Operation} on a CodeSystem instance takes no 'url' or 'codeSystem': the instance is the code system.");
        }

        var codeSystem = instance ?? posted;
        if (codeSystem is null)
        {
            var context = await validator.ContextAsync(ct);
            codeSystem = await FindCodeSystemAsync(context, url!, args.String("version"));
        }

        var codings = CodeInput(args, systemRequired: false) switch
        {
            CodeableConcept concept => concept.Coding,
            Coding coding => [coding],
            _ => [],
        };
        var messages = new List<string>();
        foreach (var coding in codings)
        {
            var system = coding.System ?? codeSystem.Url;
            if (system != codeSystem.Url)
            {
                messages.Add($"The coding's system '{system}' is not the code system '{codeSystem.Url}'.");
                continue;
            }

            var (concept, _) = Find(codeSystem, codeSystem.Concept, coding.Code!, null);
            if (concept is null)
            {
                messages.Add($"Code '{coding.Code}' is not in code system '{codeSystem.Url}'{Partial(codeSystem)}.");
                continue;
            }

            var warning = coding.Display is { } given && concept.Display is { } known && given != known
                ? $"Code '{coding.Code}' has display '{given}'; the code system's display is '{known}'."
                : null;
            return Result(true, warning, concept.Display);
        }

        return Result(false, string.Join(" ", messages), null);
    }

    /// <summary>The ValueSet an operation works on: the instance, a posted <c>valueSet</c>, or a <c>url</c> — exactly one.</summary>
    private static (string? Url, ValueSet? ValueSet) ValueSetTarget(OperationArguments args, ValueSet? instance)
    {
        var posted = args.Resource<ValueSet>("valueSet");
        var url = args.String("url");
        if (instance is not null)
        {
            return posted is null && url is null
                ? (null, instance)
                : throw FhirException.BadRequest($"{args.Operation} on a ValueSet instance takes no 'url' or 'valueSet': the instance is the value set.");
        }

        return (url, posted) switch
        {
            (null, null) => throw FhirException.BadRequest($"{args.Operation} needs the ValueSet: a 'url' parameter, a 'valueSet' in a Parameters body, or ValueSet/[id]/{args.Operation.Split('/')[1]}."),
            ({ }, { }) => throw FhirException.BadRequest($"{args.Operation} takes either 'url' or 'valueSet', not both."),
            _ => (url, posted),
        };
    }

    /// <summary>The code to check: <c>code</c> (+ <c>system</c>, <c>display</c>) as a Coding, a <c>coding</c>, or a <c>codeableConcept</c> — exactly one.</summary>
    private static DataType CodeInput(OperationArguments args, bool systemRequired, bool allowConcept = true)
    {
        var given = new[] { "code", "coding", "codeableConcept" }.Where(args.Has).ToList();
        var accepted = allowConcept ? "'code', 'coding' or 'codeableConcept'" : "'code' (with 'system') or 'coding'";
        if (given.Count != 1)
        {
            throw FhirException.BadRequest(given.Count == 0
                ? $"{args.Operation} needs the code to check: {accepted}."
                : $"{args.Operation} takes one of {accepted}, not {string.Join(" and ", given)}.");
        }

        if (args.Value<Coding>("coding") is { } coding)
        {
            return coding.Code is null || (systemRequired && coding.System is null)
                ? throw FhirException.BadRequest($"{args.Operation}: the coding needs a {(coding.Code is null ? "code" : "system")}.", "coding")
                : coding;
        }

        if (args.Value<CodeableConcept>("codeableConcept") is { } concept)
        {
            return concept.Coding.Count == 0 || concept.Coding.Any(c => c.Code is null)
                ? throw FhirException.BadRequest($"{args.Operation}: every coding of the codeableConcept needs a code.", "codeableConcept")
                : concept;
        }

        var system = args.String("system");
        if (systemRequired && system is null)
        {
            throw FhirException.BadRequest($"{args.Operation}: 'code' needs 'system' (the code system the code belongs to).", "system");
        }

        return new Coding(system, args.String("code"), args.String("display"));
    }

    private static async Task<CodeSystem> FindCodeSystemAsync(ValidationContext context, string system, string? version)
    {
        var codeSystem = await context.Resolver.FindCodeSystemAsync(version is null ? system : $"{system}|{version}");
        if (codeSystem is null || (version is not null && codeSystem.Version != version))
        {
            throw FhirException.NotFound($"Code system '{system}'{(version is null ? string.Empty : $" version '{version}'")} is not known to this server. {NotLoaded}");
        }

        if (codeSystem.Content == CodeSystemContentMode.NotPresent)
        {
            throw FhirException.NotFound($"Code system '{system}' is known to this server by its definition only: its codes are not present (content = not-present).");
        }

        return codeSystem;
    }

    private static (CodeSystem.ConceptDefinitionComponent? Concept, CodeSystem.ConceptDefinitionComponent? Parent) Find(
        CodeSystem codeSystem, IEnumerable<CodeSystem.ConceptDefinitionComponent> concepts, string code, CodeSystem.ConceptDefinitionComponent? parent)
    {
        var comparison = codeSystem.CaseSensitive == false ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        foreach (var concept in concepts)
        {
            if (string.Equals(concept.Code, code, comparison))
            {
                return (concept, parent);
            }

            var nested = Find(codeSystem, concept.Concept, code, concept);
            if (nested.Concept is not null)
            {
                return nested;
            }
        }

        return (null, null);
    }

    private static string Partial(CodeSystem codeSystem) =>
        codeSystem.Content is CodeSystemContentMode.Fragment or CodeSystemContentMode.Example
            ? $" (this server holds only {(codeSystem.Content == CodeSystemContentMode.Fragment ? "a fragment" : "examples")} of it)"
            : string.Empty;

    /// <summary>
    /// <c>filter</c>: every word must occur (case-insensitive) in a code's display or the code itself. With a filter or
    /// paging, the expansion is flat; <c>total</c> counts the matches and <c>offset</c> says where the page starts.
    /// </summary>
    private static void Page(ValueSet.ExpansionComponent expansion, string? filter, int? offset, int? count)
    {
        if (filter is null && offset is null && count is null)
        {
            return;
        }

        var words = filter?.Split(' ', StringSplitOptions.RemoveEmptyEntries) ?? [];
        var matches = Flatten(expansion.Contains)
            .Where(c => words.All(w => (c.Display?.Contains(w, StringComparison.OrdinalIgnoreCase) ?? false) || (c.Code?.Contains(w, StringComparison.OrdinalIgnoreCase) ?? false)))
            .ToList();
        expansion.Total = matches.Count;
        expansion.Offset = offset ?? 0;
        expansion.Contains = matches.Skip(offset ?? 0).Take(count ?? int.MaxValue).ToList();
        if (filter is not null)
        {
            expansion.Parameter.Add(new ValueSet.ParameterComponent { Name = "filter", Value = new FhirString(filter) });
        }

        if (offset is not null)
        {
            expansion.Parameter.Add(new ValueSet.ParameterComponent { Name = "offset", Value = new Integer(offset) });
        }

        if (count is not null)
        {
            expansion.Parameter.Add(new ValueSet.ParameterComponent { Name = "count", Value = new Integer(count) });
        }
    }

    private static IEnumerable<ValueSet.ContainsComponent> Flatten(IEnumerable<ValueSet.ContainsComponent> contains)
    {
        foreach (var entry in contains)
        {
            var nested = entry.Contains.ToList();
            if (entry.Code is not null)
            {
                entry.Contains = [];
                yield return entry;
            }

            foreach (var child in Flatten(nested))
            {
                yield return child;
            }
        }
    }

    private static Parameters.ParameterComponent Part(string name, DataType value) => new() { Name = name, Value = value };

    private static Parameters Result(bool result, string? message, string? display)
    {
        var answer = new Parameters();
        answer.Add("result", new FhirBoolean(result));
        if (!string.IsNullOrWhiteSpace(message))
        {
            answer.Add("message", new FhirString(message.Trim()));
        }

        if (display is not null)
        {
            answer.Add("display", new FhirString(display));
        }

        return answer;
    }

    private static string Name(string? url, ValueSet? valueSet) => $"ValueSet '{url ?? valueSet?.Url ?? valueSet?.Id ?? "(posted)"}'";

    /// <summary>
    /// Firely's terminology failures as this server's errors: an unknown ValueSet is 404; one that cannot be expanded
    /// is 422, saying why (a code system the server does not hold, or more codes than the expansion limit).
    /// </summary>
    private static FhirException Failure(FhirOperationException e, string subject, string doing)
    {
        var reason = QuotedReason().Match(e.Message) is { Success: true } m ? m.Groups[1].Value : e.Message;
        if (e.Status == HttpStatusCode.UnprocessableEntity)
        {
            var tooBig = reason.Contains("maximum expansion size", StringComparison.OrdinalIgnoreCase);
            var hint = tooBig
                ? $"This server expands at most {ValueSetExpanderSettings.CreateDefault().MaxExpansionSize} codes; use $validate-code for a single code."
                : reason.Contains("cannot find codesystem", StringComparison.OrdinalIgnoreCase) ? MissingSystem : string.Empty;
            return new FhirException(HttpStatusCode.UnprocessableEntity, tooBig ? OperationOutcome.IssueType.TooCostly : OperationOutcome.IssueType.NotSupported,
                $"{subject} cannot be {doing} on this server: {reason} {hint}".TrimEnd());
        }

        return e.Status switch
        {
            HttpStatusCode.NotFound => FhirException.NotFound($"{subject} is not known to this server."),
            HttpStatusCode.BadRequest => FhirException.BadRequest($"{subject} cannot be {doing}: {reason}"),
            _ => new FhirException(HttpStatusCode.InternalServerError, OperationOutcome.IssueType.Exception, $"{subject} could not be {doing}: the terminology service failed."),
        };
    }

    [GeneratedRegex("failed with message \"(.*)\"\\.?$", RegexOptions.Singleline)]
    private static partial Regex QuotedReason();
}
