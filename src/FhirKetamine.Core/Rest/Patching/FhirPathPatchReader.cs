using Hl7.Fhir.Model;

namespace FhirKetamine.Core.Rest.Patching;

/// <summary>Reads a FHIRPath Patch Parameters resource (hl7.org/fhir/R4/fhirpatch.html). A malformed one is a 400.</summary>
internal static class FhirPathPatchReader
{
    private static readonly HashSet<string> KnownParts = ["type", "path", "name", "value", "index", "source", "destination"];

    public static IReadOnlyList<FhirPathPatchOperation> Read(Parameters patch)
    {
        if (patch.Parameter.Count == 0)
        {
            throw FhirException.BadRequest("The FHIRPath Patch has no 'operation' parameter.");
        }

        return patch.Parameter.Select(Read).ToList();
    }

    private static FhirPathPatchOperation Read(Parameters.ParameterComponent parameter, int index)
    {
        if (parameter.Name != "operation")
        {
            throw FhirException.BadRequest($"Parameter {index} of the FHIRPath Patch is named '{parameter.Name}', not 'operation'.");
        }

        foreach (var part in parameter.Part)
        {
            if (part.Name is null || !KnownParts.Contains(part.Name))
            {
                throw FhirException.BadRequest($"Operation {index} has an unknown part '{part.Name}'.");
            }

            if (parameter.Part.Count(p => p.Name == part.Name) > 1)
            {
                throw FhirException.BadRequest($"Operation {index} has more than one '{part.Name}' part.");
            }
        }

        var type = Text(parameter, "type", index) ?? throw FhirException.BadRequest($"Operation {index} has no 'type' part.");
        var path = Text(parameter, "path", index) ?? throw FhirException.BadRequest($"Operation {index} ({type}) has no 'path' part.");
        var op = new FhirPathPatchOperation(
            index,
            type,
            path,
            Text(parameter, "name", index),
            parameter.Part.FirstOrDefault(p => p.Name == "value"),
            Number(parameter, "index", index),
            Number(parameter, "source", index),
            Number(parameter, "destination", index));

        string[] required = type switch
        {
            "add" => ["name", "value"],
            "insert" => ["index", "value"],
            "delete" => [],
            "replace" => ["value"],
            "move" => ["source", "destination"],
            _ => throw FhirException.BadRequest($"Operation {index} has unknown type '{type}' (expected add, insert, delete, replace or move)."),
        };
        foreach (var name in required.Where(name => parameter.Part.All(p => p.Name != name)))
        {
            throw FhirException.BadRequest($"{op.Describe()} has no '{name}' part.");
        }

        if (op.Value is { Value: null, Resource: null, Part.Count: 0 })
        {
            throw FhirException.BadRequest($"{op.Describe()}: the 'value' part has neither a value[x], a resource nor parts.");
        }

        return op;
    }

    private static string? Text(Parameters.ParameterComponent parameter, string name, int index)
    {
        var part = parameter.Part.FirstOrDefault(p => p.Name == name);
        return part switch
        {
            null => null,
            { Value: PrimitiveType { JsonValue: string text } } when text.Length > 0 => text,
            _ => throw FhirException.BadRequest($"Operation {index}: the '{name}' part must have a non-empty string or code value."),
        };
    }

    private static int? Number(Parameters.ParameterComponent parameter, string name, int index)
    {
        var part = parameter.Part.FirstOrDefault(p => p.Name == name);
        return part switch
        {
            null => null,
            { Value: PrimitiveType { JsonValue: int number } } when number >= 0 => number,
            _ => throw FhirException.BadRequest($"Operation {index}: the '{name}' part must have a non-negative valueInteger."),
        };
    }
}