using Firely.Fhir.Validation;

using Hl7.Fhir.Model;
using Hl7.Fhir.Support;

using Newtonsoft.Json.Linq;

namespace FhirKetamine.Core.Validation;

/// <summary>
/// What a reference's target must be, checked as a server can: Firely checks the target of a reference only when it
/// resolves it, and resolving every reference would read the store on every write. So each compiled reference check
/// (<see cref="ReferencedInstanceValidator"/>) is wrapped (<see cref="Rewrite"/>, once per compiled schema):
/// <list type="bullet">
/// <item>the type a RESTful reference URL names (<c>Group/1</c>, <c>…/fhir/Group/1/_history/2</c>) must be one of the
/// element's target types: read from the string, no resolution (the HL7 validator's check with
/// <c>assumeValidRestReferences</c>, a server's natural setting);</item>
/// <item>only where a <c>targetProfile</c> is more than a core type (e.g. <c>Reference(MyPatient)</c>) is the target read
/// (<see cref="ReferenceTargetResolver"/>: from the store, once per validation) and validated against it.
/// <c>Reference(Patient)</c> to core Patient reads nothing.</item>
/// </list>
/// Contained and bundled targets are resolved inside the instance by Firely, as before.
/// </summary>
internal static class ReferenceTargets
{
    private const string CoreBase = "http://hl7.org/fhir/StructureDefinition/";

    private const string NoMatch = "Unable to find a profile match for ";

    /// <summary>Whether the reference check running now (on this flow) may read its target from the store.</summary>
    private static readonly AsyncLocal<bool> Reading = new();

    public static bool MayRead => Reading.Value;

    /// <summary><paramref name="schema"/> with every reference check wrapped.</summary>
    public static ElementSchema Rewrite(ElementSchema schema) => (ElementSchema)RewriteAny(schema, []);

    /// <summary><paramref name="path"/>: the element names from the schema's root; null inside a subschema (a contentReference's, used from several places).</summary>
    private static IAssertion RewriteAny(IAssertion assertion, string[]? path)
    {
        switch (assertion)
        {
            case ReferencedInstanceValidator { TargetCases: { Count: > 0 } cases } check:
                var coreOnly = cases.All(c => c.Schema is SchemaReferenceValidator s && WithoutVersion(s.SchemaUri.ToString()) == CoreBase + c.Type);
                var profiles = new List<string>();
                foreach (var c in cases)
                {
                    ReadingPaths(c.Schema, [], profiles); // only the schemas it names: a case schema holds no wrapped checks yet
                }

                return new TargetCheckedReference(check, [.. cases.Select(c => c.Type)], coreOnly ? null : [.. profiles], path);
            case IAssertionContainer container:
                return container.WithChildren((step, child) => RewriteAny(child, step.Kind switch
                {
                    AssertionStepKind.Child when path is not null && step.ElementName is { } name => [.. path, name],
                    AssertionStepKind.Subschema => null,
                    _ => path,
                }));
            default:
                return assertion;
        }
    }

    /// <summary>
    /// Where in an instance <paramref name="schema"/>'s reference checks read their targets: the element paths (names
    /// from the root) into <paramref name="paths"/>, a null entry for a check whose place is not known (inside a
    /// subschema); <paramref name="references"/> collects the other schemas it refers to.
    /// </summary>
    public static void ReadingPaths(IAssertion schema, List<string[]?> paths, ICollection<string> references)
    {
        switch (schema)
        {
            case TargetCheckedReference check:
                if (check.ReadsTarget)
                {
                    paths.Add(check.Path);
                }

                break;
            case SchemaReferenceValidator reference:
                references.Add(WithoutVersion(reference.SchemaUri.ToString()));
                break;
            case IAssertionContainer container:
                foreach (var (_, child) in container.Children())
                {
                    ReadingPaths(child, paths, references);
                }

                break;
        }
    }

    /// <summary>
    /// Whether <paramref name="resource"/> has a value at <paramref name="path"/> (element names from the root; a
    /// choice element matches its typed name, <c>valueReference</c> or <c>value[x]</c>).
    /// </summary>
    public static bool HasValueAt(Base resource, string[] path)
    {
        IEnumerable<Base> level = [resource];
        foreach (var name in path)
        {
            level = level.SelectMany(node => node.EnumerateElements()
                .Where(e => Matches(e.Key, name))
                .SelectMany(e => e.Value switch
                {
                    Base single => [single],
                    IEnumerable<Base> many => many,
                    _ => [],
                })).ToList();
        }

        return level.Any();

        static bool Matches(string element, string name) =>
            element == name
            || (name.EndsWith("[x]", StringComparison.Ordinal) && element == name[..^3])
            || (name.Length > element.Length && name.StartsWith(element, StringComparison.Ordinal) && char.IsUpper(name[element.Length]));
    }

    /// <summary>Whether <paramref name="url"/> is the core definition of a resource or data type (whose references target core types only).</summary>
    public static bool IsCoreType(string url) =>
        url.StartsWith(CoreBase, StringComparison.Ordinal) && ModelInfo.IsCoreModelType(url[CoreBase.Length..]);

    /// <summary>A canonical without <c>|version</c> and <c>#anchor</c>.</summary>
    public static string WithoutVersion(string canonical) => canonical.Split('|', '#')[0];

    /// <summary>
    /// The resource type a RESTful reference names (as the HL7 validator reads it): <c>Type/id</c>, or the segment before
    /// <c>id</c> (or before <c>id/_history/v</c>) of an absolute URL; null for contained (<c>#</c>), <c>urn:</c>,
    /// conditional (<c>?</c>) references and anything whose segment is not a resource type.
    /// </summary>
    public static string? ImpliedType(string reference)
    {
        if (reference.Length == 0 || reference[0] == '#' || reference.StartsWith("urn:", StringComparison.Ordinal) || reference.Contains('?', StringComparison.Ordinal))
        {
            return null;
        }

        var parts = reference.Split('/');
        var type = parts.Length switch
        {
            < 2 => null,
            2 => parts[0],
            _ when parts.Length >= 4 && parts[^2] == "_history" => parts[^4],
            _ => parts[^2],
        };
        return type is not null && ModelInfo.IsKnownResource(type) ? type : null;
    }

    /// <summary>
    /// The reference check, wrapped: the type its URL implies is checked first; <see cref="MayRead"/> is set while it
    /// runs. <paramref name="targetProfiles"/> (null for core-typed targets only) are the profiles a target read from the
    /// store is validated against; a target failing them is one error at the reference (as in the HL7 validator), its
    /// own issues information under it, not errors at paths of the resource being validated.
    /// </summary>
    private sealed class TargetCheckedReference(ReferencedInstanceValidator inner, string[] targetTypes, string[]? targetProfiles, string[]? path) : IValidatable
    {
        private readonly bool readsTarget = targetProfiles is not null;

        public bool ReadsTarget => readsTarget;

        public string[]? Path => path;

        public ResultReport Validate(PocoNode input, ValidationSettings vc, ValidationState state)
        {
            var reference = input.Poco switch
            {
                ResourceReference r => r.Reference,
                CodeableReference c => c.Reference?.Reference,
                _ => null,
            };
            ResultReport? typeIssue = null;
            if (reference is not null && ImpliedType(reference) is { } type && !targetTypes.Any(t => t == type || ModelInfo.ModelInspector.IsInstanceTypeFor(t, type)))
            {
                typeIssue = new IssueAssertion(Issue.CONTENT_ELEMENT_CHOICE_INVALID_INSTANCE_TYPE,
                    $"The type '{type}' implied by the reference URL {reference} is not a valid Target for this element (must be one of [{string.Join(", ", targetTypes)}])")
                    .AsResult(state, input);
            }

            ResultReport result;
            if (Reading.Value == readsTarget)
            {
                result = ((IValidatable)inner).Validate(input, vc, state);
            }
            else
            {
                Reading.Value = readsTarget;
                try
                {
                    result = ((IValidatable)inner).Validate(input, vc, state);
                }
                finally
                {
                    Reading.Value = !readsTarget;
                }
            }

            if (readsTarget && !result.IsSuccessful)
            {
                result = Summarised(result, reference, input, state);
            }

            return typeIssue is null ? result : ResultReport.Combine([typeIssue, result]);
        }

        private static ValidationResult Outcome(List<IAssertion> evidence) =>
            evidence.OfType<IssueAssertion>().Any(i => i.Severity is OperationOutcome.IssueSeverity.Error or OperationOutcome.IssueSeverity.Fatal)
                ? ValidationResult.Failure
                : ValidationResult.Success;

        /// <summary>The target's own issues (at its paths, not this reference's) as information under one error.</summary>
        private ResultReport Summarised(ResultReport result, string? reference, PocoNode input, ValidationState state)
        {
            var here = input.GetLocation();
            // A target's issues are at its own paths; the same path as this reference's can only be a reference of the
            // target summarised the same way (a chain of profiled references).
            bool Own(IssueAssertion i) => i.Location == here && !i.Message.StartsWith(NoMatch, StringComparison.Ordinal) && i.Severity != OperationOutcome.IssueSeverity.Information;
            var own = result.Evidence.Where(e => e is not IssueAssertion i || Own(i)).ToList();
            var target = result.Evidence.OfType<IssueAssertion>().Where(i => !Own(i)).ToList();
            if (!target.Any(i => i.Severity is OperationOutcome.IssueSeverity.Error or OperationOutcome.IssueSeverity.Fatal))
            {
                return own.Count == result.Evidence.Count ? result : new ResultReport(Outcome(own), own);
            }

            var reports = new List<ResultReport>
            {
                new(Outcome(own), own),
                new IssueAssertion(Issue.CONTENT_ELEMENT_CHOICE_INVALID_INSTANCE_TYPE,
                    $"{NoMatch}{reference} among choices: {string.Join(", ", targetProfiles!)}").AsResult(state, input),
            };
            foreach (var issue in target.Where(i => !i.Message.StartsWith("Referenced resource '", StringComparison.Ordinal)))
            {
                var detail = new IssueAssertion(issue.IssueNumber, $"{reference}: {issue.Message} (at {issue.Location})", OperationOutcome.IssueSeverity.Information, issue.Type);
                reports.Add(detail.AsResult(state, input));
            }

            return ResultReport.Combine(reports);
        }

        public JToken ToJson() => inner.ToJson();
    }
}
