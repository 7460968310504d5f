using System.Linq.Expressions;
using FhirKetamine.Core.Search.Index;
using FhirKetamine.Core.Storage;

namespace FhirKetamine.Core.Search;

/// <summary>Reference parameters: <c>id</c>, <c>Type/id</c>, an absolute URL, and the <c>:Type</c> modifier.</summary>
internal static class ReferenceSearch
{
    public static IQueryable<long> Keys(FhirDbContext db, string? type, SearchClause clause)
    {
        var name = clause.Name;
        var typeModifier = clause.Modifier;
        if (typeModifier is not null && !Hl7.Fhir.Model.ModelInfo.IsKnownResource(typeModifier))
        {
            throw Rest.FhirException.BadRequest($"Modifier ':{typeModifier}' is not supported on reference parameter '{name}' (supported: :[type], :missing).", clause.RawName);
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
