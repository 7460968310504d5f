using FhirKetamine.Core.Search.Index;

namespace FhirKetamine.Core.Search;

/// <summary>Narrows an index table to one parameter, and to one resource type when the rows drive the query.</summary>
internal static class IndexScope
{
    /// <summary>
    /// With a type, the rows are found through the (ResourceType, ParamName, value) index: the query is
    /// driven from here. Without one, the rows are an EXISTS probe for a resource already chosen, and
    /// leaving the type out lets the database use the (ResourceKey, ParamName) index instead of scanning
    /// every value of the parameter (SQLite's planner picks the longer index otherwise).
    /// </summary>
    public static IQueryable<T> Scope<T>(IQueryable<T> rows, string? type, string name)
        where T : IndexRow =>
        type is null ? rows.Where(r => r.ParamName == name) : rows.Where(r => r.ResourceType == type && r.ParamName == name);

    /// <summary>The same for the rows of a parameter and those of one of its derived names (e.g. a string's part rows).</summary>
    public static IQueryable<T> Scope<T>(IQueryable<T> rows, string? type, string name, string derived)
        where T : IndexRow =>
        type is null
            ? rows.Where(r => r.ParamName == name || r.ParamName == derived)
            : rows.Where(r => r.ResourceType == type && (r.ParamName == name || r.ParamName == derived));
}
