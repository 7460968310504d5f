using Hl7.Fhir.FhirPath;
using Hl7.Fhir.Model;
using Hl7.FhirPath;
using Hl7.FhirPath.Expressions;

namespace FhirKetamine.Core.Validation;

/// <summary>
/// Which profiles apply to a resource by its content, whatever its <c>meta.profile</c> says: data in the
/// packages, not code. Every StructureDefinition carrying the <c>applies-when</c> extension (a FHIRPath
/// rule, profiles/README.md) has its rule compiled once here and indexed by the profile's type.
/// </summary>
internal sealed class ProfileSelector
{
    public const string AppliesWhenUrl = "http://fhir-ketamine.org/fhir/StructureDefinition/applies-when";

    private static readonly FhirPathCompiler Compiler = new(new SymbolTable().AddStandardFP().AddFhirExtensions());

    private readonly Dictionary<string, List<(string Url, CompiledExpression Rule)>> _byType;

    private ProfileSelector(Dictionary<string, List<(string Url, CompiledExpression Rule)>> byType) => _byType = byType;

    public int Count => _byType.Values.Sum(r => r.Count);

    /// <summary>Compiles the rules of <paramref name="profiles"/>; a rule that does not compile is reported, not used.</summary>
    public static ProfileSelector From(IEnumerable<StructureDefinition> profiles, Action<string, Exception>? onBrokenRule = null)
    {
        var byType = new Dictionary<string, List<(string, CompiledExpression)>>(StringComparer.Ordinal);
        foreach (var sd in profiles)
        {
            if (sd.GetStringExtension(AppliesWhenUrl) is not { Length: > 0 } rule || sd.Type is null || sd.Url is null)
            {
                continue;
            }

            try
            {
                var compiled = Compiler.Compile(rule);
                if (!byType.TryGetValue(sd.Type, out var rules))
                {
                    byType[sd.Type] = rules = [];
                }

                rules.Add((sd.Url, compiled));
            }
            catch (Exception ex) when (ex is FormatException or InvalidOperationException or ArgumentException)
            {
                onBrokenRule?.Invoke(sd.Url, ex);
            }
        }

        return new ProfileSelector(byType);
    }

    /// <summary>Thrown-away compile, to refuse a profile with a broken rule at upload.</summary>
    public static string? CompileError(StructureDefinition sd)
    {
        if (sd.GetStringExtension(AppliesWhenUrl) is not { Length: > 0 } rule)
        {
            return null;
        }

        try
        {
            _ = Compiler.Compile(rule);
            return null;
        }
        catch (Exception ex) when (ex is FormatException or InvalidOperationException or ArgumentException)
        {
            return ex.Message;
        }
    }

    /// <summary>The canonical URL of every profile whose rule holds for <paramref name="resource"/>.</summary>
    public IReadOnlyList<string> Select(Resource resource)
    {
        if (!_byType.TryGetValue(resource.TypeName, out var rules))
        {
            return [];
        }

        List<string>? selected = null;
        foreach (var (url, rule) in rules)
        {
            if (rule.Predicate(resource, new FhirEvaluationContext()))
            {
                (selected ??= []).Add(url);
            }
        }

        return selected ?? (IReadOnlyList<string>)[];
    }
}