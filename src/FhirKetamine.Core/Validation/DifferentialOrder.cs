using Hl7.Fhir.Model;

namespace FhirKetamine.Core.Validation;

/// <summary>
/// A differential's elements are in the order of the base structure (profiling.html#snapshot: "the differential ... SHALL
/// be in the same order as the base"). Java's snapshot generator walks the base and, for each base element, takes the next
/// differential element with its path after the last one taken; an element placed after one the base puts later is never
/// reached, is reported on the StructureDefinition, and is left out of the snapshot — the rest of the profile still
/// applies. Firely's generator reads a misplaced element as a new slice and the whole profile cannot be compiled
/// ("an invalid or incomplete slice"), so every instance claiming it fails for that reason alone. In the validator's copy
/// of such a profile (the stored resource is untouched) the elements Java leaves out are removed. Only the plain case is
/// handled: a constraint on a core type, without slices, whose every path is an element of the base or lies under one.
/// </summary>
internal static class DifferentialOrder
{
    /// <summary>Removes, in <paramref name="sd"/> (a copy), the differential elements Java's generator would not reach; false when there were none.</summary>
    /// <param name="sd">A StructureDefinition without a snapshot.</param>
    /// <param name="baseSnapshot">The base definition's snapshot elements, or null when the base is not a core definition.</param>
    public static bool DropMisplaced(StructureDefinition sd, IReadOnlyList<ElementDefinition>? baseSnapshot)
    {
        if (sd.Differential?.Element is not { Count: > 1 } elements || baseSnapshot is not { Count: > 0 }
            || elements.Any(e => e.SliceName is not null || e.ElementId?.Contains(':', StringComparison.Ordinal) == true))
        {
            return false;
        }

        var positions = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < baseSnapshot.Count; i++)
        {
            var path = baseSnapshot[i].Path;
            if (path is not null && !path.Contains(':', StringComparison.Ordinal))
            {
                positions.TryAdd(path.EndsWith("[x]", StringComparison.Ordinal) ? path[..^3] + "*" : path, i);
            }
        }

        var keys = new int[elements.Count];
        for (var i = 0; i < elements.Count; i++)
        {
            if (Position(elements[i].Path, positions) is not { } position)
            {
                return false;
            }

            keys[i] = position;
        }

        if (keys.Zip(keys.Skip(1)).All(pair => pair.First <= pair.Second))
        {
            return false;
        }

        // The walk of the base: for each base position in order, the next run of elements at it after the cursor.
        var kept = new bool[elements.Count];
        var cursor = 0;
        foreach (var key in keys.Distinct().Order())
        {
            var at = Array.FindIndex(keys, cursor, k => k == key);
            if (at < 0)
            {
                continue;
            }

            for (; at < keys.Length && keys[at] == key; at++)
            {
                kept[at] = true;
            }

            cursor = at;
        }

        sd.Differential.Element = elements.Where((_, i) => kept[i]).ToList();
        return true;
    }

    /// <summary>
    /// Removes, in <paramref name="sd"/> (a copy), differential elements for an element the base does not have
    /// (<c>Patient.dateOfBirth</c>): Java's walk of the base never reaches them, reports them on the StructureDefinition and
    /// leaves them out; Firely adds them to the snapshot as new elements, so an instance fails for lacking a
    /// <c>dateOfBirth</c> no Patient can have. Only a path whose parent's children are in the base snapshot (the root and
    /// backbone elements) is judged; under an element of a datatype (<c>Patient.name.x</c>) the type would have to be read,
    /// and the element stays. False when nothing was removed.
    /// </summary>
    public static bool DropUnknown(StructureDefinition sd, IReadOnlyList<ElementDefinition>? baseSnapshot)
    {
        if (sd.Differential?.Element is not { Count: > 0 } elements || baseSnapshot is not { Count: > 0 })
        {
            return false;
        }

        var paths = baseSnapshot.Select(e => e.Path).OfType<string>().ToHashSet(StringComparer.Ordinal);
        var parents = paths.Where(p => p.Contains('.', StringComparison.Ordinal)).Select(p => p[..p.LastIndexOf('.')]).ToHashSet(StringComparer.Ordinal);
        var kept = elements.Where(e => e.Path is not { } path || Known(path, paths, parents)).ToList();
        if (kept.Count == elements.Count)
        {
            return false;
        }

        sd.Differential.Element = kept;
        return true;
    }

    private static bool Known(string path, HashSet<string> paths, HashSet<string> parents)
    {
        if (paths.Contains(path))
        {
            return true;
        }

        var dot = path.LastIndexOf('.');
        if (dot < 0)
        {
            return paths.Contains(path);
        }

        var parent = path[..dot];
        var name = path[(dot + 1)..];
        if (!parents.Contains(parent))
        {
            // The parent's children are not in the base: a datatype element (judged by its type, not here), a choice
            // renamed by type (valueQuantity), or a child of one: known when the parent is.
            return parent.EndsWith("[x]", StringComparison.Ordinal) || Known(parent, paths, parents) || KnownChoice(parent, paths);
        }

        // A choice element renamed by its type (Observation.valueQuantity for Observation.value[x]).
        return KnownChoice(path, paths) || name is "id" or "extension" or "modifierExtension" && paths.Contains(parent);
    }

    private static bool KnownChoice(string path, HashSet<string> paths)
    {
        var dot = path.LastIndexOf('.');
        for (var end = path.Length - 1; end > dot + 1; end--)
        {
            if (char.IsUpper(path[end]) && paths.Contains(string.Concat(path.AsSpan(0, end), "[x]")))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The base position of <paramref name="path"/> or of the nearest base element above it (a choice element by its prefix).</summary>
    private static int? Position(string? path, Dictionary<string, int> positions)
    {
        while (path is { Length: > 0 })
        {
            if (positions.TryGetValue(path.EndsWith("[x]", StringComparison.Ordinal) ? path[..^3] + "*" : path, out var position))
            {
                return position;
            }

            var dot = path.LastIndexOf('.');
            if (dot < 0)
            {
                return null;
            }

            // valueQuantity: value[x] (stored as "value*"), when the rest starts a type name.
            for (var end = path.Length - 1; end > dot + 1; end--)
            {
                if (char.IsUpper(path[end]) && positions.TryGetValue(string.Concat(path.AsSpan(0, end), "*"), out position))
                {
                    return position;
                }
            }

            path = path[..dot];
        }

        return null;
    }
}
