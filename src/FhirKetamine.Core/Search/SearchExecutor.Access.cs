using System.Linq.Expressions;
using FhirKetamine.Core.Storage;
using Microsoft.EntityFrameworkCore;

namespace FhirKetamine.Core.Search;

/// <summary>What a caller may see (<see cref="AccessBounds"/>) as query predicates, for search, includes, reads and history.</summary>
public sealed partial class SearchExecutor
{
    /// <summary>
    /// The rows of <paramref name="rows"/> the caller may see: of <paramref name="type"/>, or of mixed types when it is
    /// null (an include level, system history). A row is visible when it satisfies one of its type's alternatives.
    /// </summary>
    public IQueryable<ResourceRow> Visible(IQueryable<ResourceRow> rows, string? type, AccessBounds bounds)
    {
        if (type is not null)
        {
            return Satisfying(rows, type, bounds.For(type));
        }

        var named = bounds.NamedTypes.ToList();
        var parts = new List<Expression<Func<ResourceRow, bool>>>();
        foreach (var namedType in named)
        {
            var alternatives = bounds.For(namedType);
            if (alternatives is null)
            {
                parts.Add(r => r.Type == namedType);
            }
            else if (alternatives.Count > 0)
            {
                var visible = Satisfying(db.Resources.Where(v => v.Type == namedType), namedType, alternatives);
                parts.Add(r => r.Type == namedType && visible.Any(v => v.Key == r.Key));
            }
        }

        // Types no scope names are what wildcard scopes allow, and those carry no filter: unrestricted or compartments.
        if (bounds.OtherTypes is { } others)
        {
            foreach (var patient in others.Select(a => a.Patient).Distinct())
            {
                var unnamed = db.Resources.Where(v => !named.Contains(v.Type));
                var visible = patient is null ? unnamed : InCompartment(unnamed, null, patient);
                parts.Add(r => visible.Any(v => v.Key == r.Key));
            }
        }
        else
        {
            parts.Add(r => !named.Contains(r.Type));
        }

        return rows.Where(Predicates.AnyOf(parts));
    }

    /// <summary>True when the current <paramref name="type"/>/<paramref name="id"/> exists and the caller may see it.</summary>
    public Task<bool> IsVisibleAsync(string type, string id, AccessBounds bounds, CancellationToken ct) =>
        Visible(db.Resources.Where(r => r.Type == type && r.LogicalId == id && !r.IsDeleted), type, bounds).AnyAsync(ct);

    private IQueryable<ResourceRow> Satisfying(IQueryable<ResourceRow> rows, string type, IReadOnlyList<AccessAlternative>? alternatives)
    {
        switch (alternatives)
        {
            case null:
                return rows;
            case []:
                return rows.Where(r => false);
            case [var only]:
                return Satisfying(rows, type, only);
        }

        var parts = alternatives.Select(alternative =>
        {
            var visible = Satisfying(db.Resources.Where(v => v.Type == type), type, alternative);
            return (Expression<Func<ResourceRow, bool>>)(r => visible.Any(v => v.Key == r.Key));
        });
        return rows.Where(Predicates.AnyOf(parts));
    }

    /// <summary>One alternative: each of its filter's clauses as a search clause would apply, then the compartment.</summary>
    private IQueryable<ResourceRow> Satisfying(IQueryable<ResourceRow> rows, string type, AccessAlternative alternative)
    {
        foreach (var clause in alternative.Clauses)
        {
            rows = Apply(rows, type, clause, null);
        }

        return alternative.Patient is { } patient ? InCompartment(rows, type, patient) : rows;
    }
}
