using Hl7.Fhir.Model;

namespace FhirKetamine.Core.Validation;

/// <summary>
/// R4's <c>elementdefinition-profile-element</c> extension on a <c>type.profile</c> says the element conforms to one
/// element of that profile, not to the profile's root: a document profile's section slice names one section of a
/// "section library" profile (<c>Composition.section:codeA</c>), which gives that section its code pattern and what it
/// must contain. Firely does not read the extension and validates the section as a whole Composition of the library, so
/// every section failed Composition's required elements (15 false errors on one document). In the validator's copy of
/// such a profile (the stored resource is untouched) the named element's constraints under it (its children in the
/// library's differential) are copied under the slice, and the profile reference is dropped, which is what the extension
/// means. Only a library stored on this server with a differential, and an element at the same path as the slice, is
/// read; anything else is left as written.
/// </summary>
internal static class ProfileElements
{
    public const string Url = "http://hl7.org/fhir/StructureDefinition/elementdefinition-profile-element";

    /// <summary>Whether <paramref name="sd"/> names an element of a profile anywhere (checked before copying).</summary>
    public static bool Names(StructureDefinition sd) =>
        sd.Differential?.Element.Any(e => e.Type.Any(t => t.ProfileElement.Any(p => p.GetExtension(Url) is not null))) == true;

    /// <summary>Inlines, in <paramref name="sd"/> (a copy), each named element's children; false when none could be read.</summary>
    /// <param name="sd">The copy to change.</param>
    /// <param name="profileOf">A StructureDefinition stored on this server, by canonical URL; null when there is none.</param>
    public static bool Inline(StructureDefinition sd, Func<string, StructureDefinition?> profileOf)
    {
        var elements = sd.Differential!.Element;
        var ids = Ids(elements);
        var result = new List<ElementDefinition>(elements.Count);
        var changed = false;
        for (var i = 0; i < elements.Count; i++)
        {
            var element = elements[i];
            result.Add(element);
            if (element.Type is not [{ ProfileElement: [var profile] } type]
                || profile.GetExtension(Url)?.Value is not FhirString { Value: { Length: > 0 } named }
                || profile.Value is not { } url || profileOf(url.Split('|')[0])?.Differential?.Element is not { Count: > 0 } library)
            {
                continue;
            }

            var libraryIds = Ids(library);
            var head = library.FindIndex(e => libraryIds[e] == named);
            if (head < 0 || library[head].Path != element.Path)
            {
                continue;
            }

            ids[element] = element.ElementId ?? ids[element];
            element.ElementId = ids[element];
            type.ProfileElement = [];
            foreach (var child in library.Where(e => libraryIds[e].StartsWith(named + ".", StringComparison.Ordinal)))
            {
                var copy = (ElementDefinition)child.DeepCopy();
                copy.ElementId = ids[element] + libraryIds[child][named.Length..];
                result.Add(copy);
            }

            changed = true;
        }

        if (changed)
        {
            sd.Differential.Element = result;
        }

        return changed;
    }

    /// <summary>Each element's id: its own, or the one its path and the slice it is in give it (elementdefinition.html#id).</summary>
    private static Dictionary<ElementDefinition, string> Ids(List<ElementDefinition> elements)
    {
        var ids = new Dictionary<ElementDefinition, string>(ReferenceEqualityComparer.Instance);
        var slices = new Dictionary<string, string>(StringComparer.Ordinal); // path -> the id of the slice open there
        foreach (var element in elements)
        {
            var path = element.Path ?? string.Empty;
            var dot = path.LastIndexOf('.');
            var parent = dot < 0 ? null : path[..dot];
            var parentId = parent is null ? null : IdOf(parent, slices);
            var id = element.ElementId ?? (parentId is null ? path : parentId + path[dot..]) + (element.SliceName is { } name ? ":" + name : string.Empty);
            foreach (var below in slices.Keys.Where(k => k == path || k.StartsWith(path + ".", StringComparison.Ordinal)).ToList())
            {
                slices.Remove(below);
            }

            if (element.SliceName is not null)
            {
                slices[path] = id;
            }

            ids[element] = id;
        }

        return ids;
    }

    private static string IdOf(string path, Dictionary<string, string> slices)
    {
        if (slices.TryGetValue(path, out var id))
        {
            return id;
        }

        var dot = path.LastIndexOf('.');
        return dot < 0 ? path : IdOf(path[..dot], slices) + path[dot..];
    }
}
