using System.Globalization;

using FhirKetamine.Core.Rest;

using Hl7.Fhir.Model;

namespace FhirKetamine.Core.Terminology;

/// <summary>
/// The checked input of one terminology operation: the query string and/or a <c>Parameters</c> body, every name
/// known to the operation, every value of its declared type, single-valued names at most once. Anything else is
/// a 400 naming the parameter.
/// </summary>
public sealed class OperationArguments
{
    private readonly List<Parameters.ParameterComponent> _values;

    private OperationArguments(string operation, List<Parameters.ParameterComponent> values)
    {
        Operation = operation;
        _values = values;
    }

    public string Operation { get; }

    /// <summary>
    /// Reads and checks the arguments of <paramref name="operation"/> (e.g. <c>ValueSet/$expand</c>): the query
    /// (names starting with <c>_</c>, like <c>_format</c>, are the HTTP layer's) and the body's parameters.
    /// </summary>
    public static OperationArguments Read(string operation, IEnumerable<KeyValuePair<string, string>> query, Parameters? body)
    {
        var declared = TerminologyParameters.Of(operation);
        var values = new List<Parameters.ParameterComponent>();
        foreach (var (name, value) in query.Where(q => !q.Key.StartsWith('_')))
        {
            var kind = Declared(operation, declared, name);
            if (kind is ParameterKind.Coding or ParameterKind.CodeableConcept or ParameterKind.Resource)
            {
                throw FhirException.BadRequest($"{operation}: '{name}' is a {kind}; send it in a Parameters body with POST.", name);
            }

            values.Add(new Parameters.ParameterComponent { Name = name, Value = Primitive(operation, name, kind, value) });
        }

        foreach (var parameter in body?.Parameter ?? [])
        {
            var name = parameter.Name ?? throw FhirException.BadRequest($"{operation}: a parameter has no name.", "Parameters.parameter");
            var kind = Declared(operation, declared, name);
            values.Add(Checked(operation, name, kind, parameter));
        }

        foreach (var repeated in values.GroupBy(v => v.Name ?? string.Empty).Where(g => g.Count() > 1 && !TerminologyParameters.Repeats(operation, g.Key)))
        {
            throw FhirException.BadRequest($"{operation}: '{repeated.Key}' may be given once, not {repeated.Count()} times.", repeated.Key);
        }

        return new OperationArguments(operation, values);
    }

    public bool Has(string name) => _values.Any(v => v.Name == name);

    public string? String(string name) => (_values.FirstOrDefault(v => v.Name == name)?.Value as PrimitiveType)?.ToString();

    public IReadOnlyList<string> Strings(string name) =>
        _values.Where(v => v.Name == name).Select(v => (v.Value as PrimitiveType)?.ToString()).OfType<string>().ToList();

    public int? Integer(string name) => (_values.FirstOrDefault(v => v.Name == name)?.Value as Integer)?.Value;

    public bool? Boolean(string name) => (_values.FirstOrDefault(v => v.Name == name)?.Value as FhirBoolean)?.Value;

    public T? Value<T>(string name)
        where T : DataType => _values.FirstOrDefault(v => v.Name == name)?.Value as T;

    public T? Resource<T>(string name)
        where T : Resource => _values.FirstOrDefault(v => v.Name == name)?.Resource as T;

    private static ParameterKind Declared(string operation, IReadOnlyDictionary<string, ParameterKind> declared, string name) =>
        declared.TryGetValue(name, out var kind)
            ? kind
            : throw FhirException.BadRequest(
                $"{operation} does not take a parameter '{name}' on this server; it takes {string.Join(", ", declared.Keys.Order(StringComparer.Ordinal))}.", name);

    private static Parameters.ParameterComponent Checked(string operation, string name, ParameterKind kind, Parameters.ParameterComponent parameter)
    {
        switch (kind)
        {
            case ParameterKind.Resource:
                var expected = TerminologyParameters.ResourceType(name);
                return parameter.Resource?.TypeName == expected
                    ? parameter
                    : throw FhirException.BadRequest($"{operation}: '{name}' must carry a {expected} resource.", name);
            case ParameterKind.Coding when parameter.Value is Coding:
            case ParameterKind.CodeableConcept when parameter.Value is CodeableConcept:
                return parameter;
            case ParameterKind.Coding or ParameterKind.CodeableConcept:
                throw FhirException.BadRequest($"{operation}: '{name}' must be a value{kind}.", name);
            default:
                var text = parameter.Value is PrimitiveType primitive && primitive.ToString() is { } s
                    ? s
                    : throw FhirException.BadRequest($"{operation}: '{name}' must have a primitive value ({kind}).", name);
                return new Parameters.ParameterComponent { Name = name, Value = Primitive(operation, name, kind, text) };
        }
    }

    private static DataType Primitive(string operation, string name, ParameterKind kind, string value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw FhirException.BadRequest($"{operation}: '{name}' is empty.", name);
        }

        return kind switch
        {
            ParameterKind.Integer => int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var number)
                ? new Integer(number)
                : throw FhirException.BadRequest($"{operation}: '{name}' must be a whole number ≥ 0, not '{value}'.", name),
            ParameterKind.Boolean => value is "true" or "false"
                ? new FhirBoolean(value == "true")
                : throw FhirException.BadRequest($"{operation}: '{name}' must be true or false, not '{value}'.", name),
            ParameterKind.Uri => new FhirUri(value),
            ParameterKind.Code => new Code(value),
            _ => new FhirString(value),
        };
    }
}
