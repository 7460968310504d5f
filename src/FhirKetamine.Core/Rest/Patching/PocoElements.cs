using System.Collections;

using Hl7.Fhir.Introspection;
using Hl7.Fhir.Model;

namespace FhirKetamine.Core.Rest.Patching;

/// <summary>Reads and writes one named element of a Firely POCO through its model metadata.</summary>
internal static class PocoElements
{
    /// <summary>The element called <paramref name="name"/> ("deceased", or "deceasedBoolean" for a choice), or null.</summary>
    public static PropertyMapping? Find(Type type, string name)
    {
        var mapping = ModelInfo.ModelInspector.FindClassMapping(type);
        return mapping?.FindMappedElementByName(name) ?? mapping?.FindMappedElementByChoiceName(name);
    }

    public static object? Get(Base owner, PropertyMapping property) => Native(property).GetValue(owner);

    /// <summary>Sets the element; a few elements (Extension.url, Element.id) are plain strings in the POCO, so primitives are unwrapped for them.</summary>
    public static void Set(Base owner, PropertyMapping property, Base? value)
    {
        var native = Native(property);
        if (value is PrimitiveType { JsonValue: { } raw } && !native.PropertyType.IsInstanceOfType(value) && native.PropertyType.IsInstanceOfType(raw))
        {
            native.SetValue(owner, raw);
            return;
        }

        native.SetValue(owner, value);
    }

    /// <summary>The list behind a repeating element, created when the POCO has none yet.</summary>
    public static IList List(Base owner, PropertyMapping property)
    {
        if (Get(owner, property) is IList list)
        {
            return list;
        }

        list = (IList)Activator.CreateInstance(Native(property).PropertyType)!;
        Native(property).SetValue(owner, list);
        return list;
    }

    private static System.Reflection.PropertyInfo Native(PropertyMapping property) =>
        property.NativeProperty ?? throw new InvalidOperationException($"element '{property.Name}' has no POCO property");
}