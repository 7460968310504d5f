using Hl7.Fhir.Introspection;
using Hl7.Fhir.Model;

namespace FhirKetamine.Core.Rest.Patching;

/// <summary>
/// Turns the "value" part of a FHIRPath Patch operation into a POCO of the type the target element needs:
/// a value[x] of that type (a code also fits a coded element), a resource (for contained), or nested parts naming the element's children.
/// A value of the wrong type is a 422.
/// </summary>
internal static class FhirPathPatchValueBuilder
{
    public static Base Build(Parameters.ParameterComponent valuePart, PropertyMapping property, FhirPathPatchOperation op, string elementPath)
    {
        if (valuePart.Value is { } value)
        {
            return Convert(value, property, op, elementPath);
        }

        if (valuePart.Resource is { } resource)
        {
            return property.ImplementingType.IsInstanceOfType(resource)
                ? resource.DeepCopy()
                : throw FhirPathPatchApplier.Unprocessable(op, $"'{elementPath}' does not hold a resource.");
        }

        if (valuePart.Part.Count == 0)
        {
            throw FhirPathPatchApplier.Unprocessable(op, $"the value for '{elementPath}' has neither a value[x], a resource nor parts.");
        }

        var type = property.ImplementingType;
        if (type.IsAbstract || !typeof(Base).IsAssignableFrom(type) || typeof(PrimitiveType).IsAssignableFrom(type))
        {
            throw FhirPathPatchApplier.Unprocessable(op, $"'{elementPath}' needs a typed value[x], not parts.");
        }

        var instance = (Base)Activator.CreateInstance(type)!;
        foreach (var part in valuePart.Part)
        {
            var childPath = $"{elementPath}.{part.Name}";
            var child = part.Name is null ? null : PocoElements.Find(type, part.Name);
            if (child is null)
            {
                throw FhirPathPatchApplier.Unprocessable(op, $"'{childPath}' is not an element of {TypeName(type)}.");
            }

            var childValue = Build(part, child, op, childPath);
            if (child.IsCollection)
            {
                PocoElements.List(instance, child).Add(childValue);
            }
            else if (PocoElements.Get(instance, child) is not null)
            {
                throw FhirPathPatchApplier.Unprocessable(op, $"'{childPath}' is given more than once but does not repeat.");
            }
            else
            {
                PocoElements.Set(instance, child, childValue);
            }
        }

        return instance;
    }

    private static Base Convert(DataType value, PropertyMapping property, FhirPathPatchOperation op, string elementPath)
    {
        var target = property.ImplementingType;
        if (target.IsInstanceOfType(value))
        {
            if (property.Choice == ChoiceType.DatatypeChoice && !property.FhirType.Contains(value.GetType()))
            {
                throw FhirPathPatchApplier.Unprocessable(op, $"'{elementPath}' does not allow a value of type {value.TypeName}.");
            }

            return value.DeepCopy();
        }

        // A coded element (Code<TEnum>) takes a valueCode; the strict re-parse at the end rejects codes outside the enum.
        if (value is Code or FhirString && target.IsGenericType && target.GetGenericTypeDefinition() == typeof(Code<>))
        {
            var primitive = (PrimitiveType)value;
            var code = (PrimitiveType)Activator.CreateInstance(target)!;
            code.JsonValue = primitive.JsonValue;
            code.ElementId = primitive.ElementId;
            code.Extension = primitive.Extension.Select(e => (Extension)e.DeepCopy()).ToList();
            return code;
        }

        throw FhirPathPatchApplier.Unprocessable(op, $"'{elementPath}' is of type {TypeName(target)}; a value of type {value.TypeName} does not fit.");
    }

    private static string TypeName(Type type) =>
        ModelInfo.ModelInspector.FindClassMapping(type)?.Name ?? type.Name;
}