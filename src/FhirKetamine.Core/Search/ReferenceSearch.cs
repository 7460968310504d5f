using System.Linq.Expressions;
using FhirKetamine.Core.Search.Index;
using FhirKetamine.Core.Storage;

namespace FhirKetamine.Core.Search;

/// <summary>
/// Reference parameters: <c>id</c>, <c>Type/id</c>, an absolute URL, the <c>:Type</c> modifier, and <c>:identifier</c>
/// (<c>system|value</c> against <c>Reference.identifier</c>, from the token rows the indexer derives for it).
/// </summary>
internal static class ReferenceSearch
{
    public static IQueryable<long> Keys(FhirDbContext db, string? type, SearchClause clause)
    {
        var name = clause.Name;
        var typeModifier = clause.Modifier;
        if (typeModifier == "identifier" && clause.Parameter!.OfReferences)
        {
            var byIdentifier = Predicates.AnyOf(clause.Values.Select(v => v.Length == 0 || v == "|"
                ? throw Rest.FhirException.BadRequest($"'{v}' is not a valid value for {clause.RawName}: use [system]|[value], |[value], [system]| or [value].", clause.RawName)
                : TokenSearch.Value(v)));
            return IndexScope.Scope(db.TokenIndex, type, clause.Parameter.IdentifierIndexName).Where(byIdentifier).Select(t => t.ResourceKey);
        }

        if (typeModifier is not null && !Hl7.Fhir.Model.ModelInfo.IsKnownResource(typeModifier))
        {
            throw Rest.FhirException.BadRequest(
                $"{clause.RawName}: modifier ':{typeModifier}' is not supported on reference parameter '{name}' (supported: :[type]{(clause.Parameter!.OfReferences ? ", :identifier" : string.Empty)}, :missing).",
                clause.RawName);
        }

        var match = Predicates.AnyOf(clause.Values.Select(v => Value(v, typeModifier)));
        return IndexScope.Scope(db.ReferenceIndex, type, name).Where(match).Select(r => r.ResourceKey);
    }

    private static Expression<Func<ReferenceIndexRow, bool>> Value(string value, string? typeModifier)
    {
        if (SearchIndexer.ParseReference(value) is var (targetType, targetId) && targetType is not null)
        {
            return r => r.TargetId == targetId && r.TargetType == targetType;
        }

        if (typeModifier is not null)
        {
            return r => r.TargetId == value && r.TargetType == typeModifier;
        }

        return r => r.TargetId == value;
    }
}
