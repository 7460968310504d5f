using Hl7.Fhir.Model;

namespace FhirKetamine.Core.Terminology;

/// <summary>
/// The input parameters this server supports for each terminology operation (a subset of R4's
/// OperationDefinitions; the names and types are R4's). A parameter R4 defines but this server does not
/// implement (<c>context</c>, <c>date</c>, <c>displayLanguage</c>, …) is refused, not silently ignored.
/// </summary>
public static class TerminologyParameters
{
    public const string Expand = "ValueSet/$expand";
    public const string ValueSetValidateCode = "ValueSet/$validate-code";
    public const string Lookup = "CodeSystem/$lookup";
    public const string CodeSystemValidateCode = "CodeSystem/$validate-code";

    private static readonly Dictionary<string, IReadOnlyDictionary<string, ParameterKind>> Declared = new(StringComparer.Ordinal)
    {
        [Expand] = new Dictionary<string, ParameterKind>(StringComparer.Ordinal)
        {
            ["url"] = ParameterKind.Uri, ["valueSet"] = ParameterKind.Resource, ["valueSetVersion"] = ParameterKind.String,
            ["filter"] = ParameterKind.String, ["offset"] = ParameterKind.Integer, ["count"] = ParameterKind.Integer,
        },
        [ValueSetValidateCode] = new Dictionary<string, ParameterKind>(StringComparer.Ordinal)
        {
            ["url"] = ParameterKind.Uri, ["valueSet"] = ParameterKind.Resource, ["valueSetVersion"] = ParameterKind.String,
            ["code"] = ParameterKind.Code, ["system"] = ParameterKind.Uri, ["display"] = ParameterKind.String,
            ["coding"] = ParameterKind.Coding, ["codeableConcept"] = ParameterKind.CodeableConcept, ["abstract"] = ParameterKind.Boolean,
        },
        [Lookup] = new Dictionary<string, ParameterKind>(StringComparer.Ordinal)
        {
            ["code"] = ParameterKind.Code, ["system"] = ParameterKind.Uri, ["version"] = ParameterKind.String,
            ["coding"] = ParameterKind.Coding, ["property"] = ParameterKind.Code,
        },
        [CodeSystemValidateCode] = new Dictionary<string, ParameterKind>(StringComparer.Ordinal)
        {
            ["url"] = ParameterKind.Uri, ["codeSystem"] = ParameterKind.Resource, ["version"] = ParameterKind.String,
            ["code"] = ParameterKind.Code, ["display"] = ParameterKind.String,
            ["coding"] = ParameterKind.Coding, ["codeableConcept"] = ParameterKind.CodeableConcept,
        },
    };

    /// <summary>Every operation, as <c>Type/$name</c>.</summary>
    public static IEnumerable<string> Operations => Declared.Keys;

    public static IReadOnlyDictionary<string, ParameterKind> Of(string operation) => Declared[operation];

    /// <summary>The terminology operations on <paramref name="type"/> for the CapabilityStatement, with R4's OperationDefinitions.</summary>
    public static IEnumerable<CapabilityStatement.OperationComponent> CapabilityOperations(string type) =>
        Declared.Keys.Where(o => o.StartsWith(type + "/$", StringComparison.Ordinal)).Select(o => o.Split("/$")[1]).Select(name => new CapabilityStatement.OperationComponent
        {
            Name = name,
            Definition = $"http://hl7.org/fhir/OperationDefinition/{type}-{name}",
        });

    /// <summary>Only <c>$lookup</c>'s <c>property</c> may repeat.</summary>
    public static bool Repeats(string operation, string name) => operation == Lookup && name == "property";

    /// <summary>The resource type a Resource parameter carries.</summary>
    public static string ResourceType(string name) => name == "codeSystem" ? "CodeSystem" : "ValueSet";
}
