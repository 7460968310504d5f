using FhirKetamine.Core.Search;
using FhirKetamine.Core.Search.Index;
using FhirKetamine.Core.Storage;

using Hl7.Fhir.Model;

using Microsoft.EntityFrameworkCore;

namespace FhirKetamine.Core.Rest;

/// <summary>
/// The matches of a write group's If-None-Exist conditions of the form <c>param=system|code</c> on a token parameter
/// (a gateway's <c>identifier=…|reading</c>), read with one query per type and parameter when the group starts and
/// kept current as the group's jobs store prepared creates, so the group-commit writer decides each conditional create
/// without a search of its own — and exactly as that search would: the same index rows (type, parameter, system and
/// code equal), current resources only. A write it cannot follow (an update, a delete, a create written in the writer)
/// makes its resource type unknown for the rest of the group: conditions on that type are searched as usual.
/// <para>
/// The journal follows the writer's savepoints: <see cref="Undo"/> forgets what was stored since <see cref="Checkpoint"/>.
/// </para>
/// </summary>
internal sealed class KnownMatches
{
    private readonly Dictionary<(string Type, string Condition), Key> _conditions = [];
    private readonly Dictionary<Key, List<string>> _matches = [];
    private readonly HashSet<string> _unknownTypes = [];
    private readonly List<(Key Key, string Id)> _journal = [];
    private int _checkpoint;

    private KnownMatches()
    {
    }

    /// <summary>One token value: the index rows a <c>param=system|code</c> condition matches.</summary>
    private readonly record struct Key(string Type, string Param, string System, string Code);

    /// <summary>Reads the current matches of the conditions of <paramref name="creates"/> (after the group's write lock).</summary>
    public static async Task<KnownMatches> LoadAsync(FhirDbContext db, SearchQueryParser parser, IEnumerable<PreparedCreate> creates, CancellationToken ct)
    {
        var known = new KnownMatches();
        foreach (var create in creates)
        {
            if (create.Condition is { } condition && !known._conditions.ContainsKey((create.Type, condition)) && Parse(parser, create.Type, condition) is { } key)
            {
                known._conditions[(create.Type, condition)] = key;
                known._matches[key] = [];
            }
        }

        foreach (var parameter in known._matches.Keys.GroupBy(k => (k.Type, k.Param)))
        {
            var (type, param) = parameter.Key;
            var codes = parameter.Select(k => k.Code).Distinct().ToList();
            var rows = await (from t in db.TokenIndex
                              where t.ResourceType == type && t.ParamName == param && codes.Contains(t.Code)
                              join r in db.Resources on t.ResourceKey equals r.Key
                              where r.Type == type && !r.IsDeleted
                              orderby r.Key
                              select new { t.System, t.Code, r.LogicalId }).ToListAsync(ct);
            foreach (var row in rows)
            {
                known.Add(new Key(type, param, row.System, row.Code), row.LogicalId);
            }
        }

        known._journal.Clear();
        return known;
    }

    /// <summary>
    /// The ids of the current resources matching <paramref name="condition"/>, as the search would find them (in
    /// storage order); false when this condition is not one it follows: search.
    /// </summary>
    public bool TryGet(string type, string condition, out IReadOnlyList<string> ids)
    {
        if (_conditions.TryGetValue((type, condition), out var key) && !_unknownTypes.Contains(type))
        {
            ids = _matches[key];
            return true;
        }

        ids = [];
        return false;
    }

    /// <summary>A prepared create was staged in the group: it matches the conditions on its index rows from now on.</summary>
    public void Stored(PreparedCreate create)
    {
        foreach (var row in create.IndexRows)
        {
            if (row is TokenIndexRow token)
            {
                Add(new Key(create.Type, token.ParamName, token.System, token.Code), create.Id);
            }
        }
    }

    /// <summary>A write this does not follow: conditions on <paramref name="type"/> are searched for the rest of the group.</summary>
    public void Wrote(string type) => _unknownTypes.Add(type);

    /// <summary>True once a write it could not follow stored a resource of <paramref name="type"/> in this group.</summary>
    public bool IsUnknown(string type) => _unknownTypes.Contains(type);

    /// <summary>Marks where the writer created a savepoint.</summary>
    public void Checkpoint() => _checkpoint = _journal.Count;

    /// <summary>The writer rolled back to its savepoint: what was stored since is not in the database.</summary>
    public void Undo()
    {
        for (var i = _journal.Count - 1; i >= _checkpoint; i--)
        {
            _matches[_journal[i].Key].Remove(_journal[i].Id);
        }

        _journal.RemoveRange(_checkpoint, _journal.Count - _checkpoint);
    }

    private void Add(Key key, string id)
    {
        if (_matches.TryGetValue(key, out var ids) && !ids.Contains(id))
        {
            ids.Add(id);
            _journal.Add((key, id));
        }
    }

    /// <summary>
    /// <c>param=system|code</c> on a token parameter, nothing else: the one form followed here, read the way the search
    /// reads it (<see cref="TokenSearch"/>). Null for any other condition, and for one the search would refuse (it says why).
    /// </summary>
    private static Key? Parse(SearchQueryParser parser, string type, string condition)
    {
        var parameters = QueryString.Parse(condition);
        if (parameters.Count != 1)
        {
            return null;
        }

        SearchQuery query;
        try
        {
            query = parser.Parse(type, parameters, strict: true);
        }
        catch (FhirException)
        {
            return null;
        }

        if (query.Clauses is not [{ Modifier: null, Chain: null, Has: null, Parameter.Type: SearchParamType.Token, Values: [var value] } clause])
        {
            return null;
        }

        var bar = value.IndexOf('|', StringComparison.Ordinal);
        return bar < 0 || bar == value.Length - 1 ? null : new Key(type, clause.Name, value[..bar], value[(bar + 1)..]);
    }
}
