using System.Globalization;
using FhirKetamine.Core.Search.Index;
using Hl7.Fhir.FhirPath;
using Hl7.Fhir.Model;

namespace FhirKetamine.Core.Search;

/// <summary>
/// Extracts search-index rows from a resource at write time by evaluating each registered parameter's
/// FHIRPath expression (Firely's evaluator) and normalising the values it yields.
/// Thread-safe and stateless apart from the registry and the UCUM cache: a singleton.
/// </summary>
public sealed class SearchIndexer(SearchParameterRegistry registry, UcumCanonicalizer ucum)
{
    public IndexEntries Extract(Resource resource)
    {
        var type = resource.TypeName;
        var entries = new IndexEntries();
#if !BENCH_NO_INDEX // bench/ only (issue 7, goal 5): a build with -p:BenchNoIndex=true indexes nothing, to time a create without the index
        var evaluator = new IndexExpressions(resource);
        foreach (var parameter in registry.For(type))
        {
            IEnumerable<Base?> values;
            try
            {
                values = evaluator.Select(parameter.Expression);
            }
            catch (Exception ex) when (ex is InvalidOperationException or ArgumentException or FormatException)
            {
                // A value the expression cannot evaluate (e.g. a malformed primitive) is not searchable;
                // the validator reports it, the indexer must not fail the write for it.
                continue;
            }

            foreach (var value in values.OfType<Base>())
            {
                Add(entries, type, parameter, value);
            }
        }

        // Two elements with the same value (an AuditEvent's entities of one type, a name given twice) need one row: a
        // second changes no search, sort or count, and costs an insert into a B-tree of millions of rows.
        Dedupe(entries.Tokens, r => (r.ParamName, r.System, r.Code, r.Text));
        Dedupe(entries.Strings, r => (r.ParamName, r.Normalized, r.Exact));
        Dedupe(entries.References, r => (r.ParamName, r.TargetType, r.TargetId));
#endif

        return entries;
    }

    private static void Dedupe<TRow, TKey>(List<TRow> rows, Func<TRow, TKey> key)
    {
        if (rows.Count < 2)
        {
            return;
        }

        var seen = new HashSet<TKey>();
        rows.RemoveAll(row => !seen.Add(key(row)));
    }

    private void Add(IndexEntries entries, string type, SearchParameterInfo p, Base value)
    {
        switch (p.Type)
        {
            case SearchParamType.String:
                foreach (var text in StringsOf(value))
                {
                    entries.Strings.Add(new StringIndexRow
                    {
                        ResourceType = type, ParamName = p.Name,
                        Normalized = SearchValues.NormalizeString(text), Exact = SearchValues.Truncate(text, 256),
                    });
                    foreach (var word in SearchValues.LaterWords(text))
                    {
                        entries.Strings.Add(new StringIndexRow
                        {
                            ResourceType = type, ParamName = p.PartIndexName,
                            Normalized = SearchValues.NormalizeString(word), Exact = SearchValues.Truncate(word, 256),
                        });
                    }
                }

                break;
            case SearchParamType.Token:
                foreach (var (system, code, text) in TokensOf(value))
                {
                    entries.Tokens.Add(new TokenIndexRow
                    {
                        ResourceType = type, ParamName = p.Name,
                        System = SearchValues.Truncate(system ?? string.Empty, 256),
                        Code = SearchValues.Truncate(code ?? string.Empty, 256),
                        Text = text is null ? null : SearchValues.Truncate(SearchValues.NormalizeString(text), 256),
                    });
                }

                if (p.OfIdentifiers && value is Identifier { Value: { } identifierValue, Type: { } identifierType })
                {
                    // :of-type: one row per coding of the identifier's type, the type code and the value in one column.
                    foreach (var coding in identifierType.Coding.Where(c => !string.IsNullOrEmpty(c.Code)))
                    {
                        entries.Tokens.Add(new TokenIndexRow
                        {
                            ResourceType = type, ParamName = p.OfTypeIndexName,
                            System = SearchValues.Truncate(coding.System ?? string.Empty, 256),
                            Code = SearchValues.Truncate(SearchValues.OfTypeCode(coding.Code!, identifierValue), 256),
                        });
                    }
                }

                break;
            case SearchParamType.Date:
                if (DateRangeOf(value) is var (start, end))
                {
                    entries.Dates.Add(new DateIndexRow { ResourceType = type, ParamName = p.Name, Start = start, End = end });
                }

                break;
            case SearchParamType.Reference:
                if (value is ResourceReference { Reference: { } reference } && ParseReference(reference) is var (targetType, targetId)
                    && (p.ResolveIsType is null || p.ResolveIsType == targetType))
                {
                    entries.References.Add(new ReferenceIndexRow
                    {
                        ResourceType = type, ParamName = p.Name, TargetType = targetType, TargetId = SearchValues.Truncate(targetId, 512),
                    });
                }
                if (p.OfReferences && value is ResourceReference { Identifier.Value: { } logicalValue } logical && MayBe(logical, p.ResolveIsType))
                {
                    // :identifier: the reference's logical identifier, searched like a token (system|value).
                    entries.Tokens.Add(new TokenIndexRow
                    {
                        ResourceType = type, ParamName = p.IdentifierIndexName,
                        System = SearchValues.Truncate(logical.Identifier.System ?? string.Empty, 256),
                        Code = SearchValues.Truncate(logicalValue, 256),
                    });
                }

                if (value is Canonical { Value: { } canonical })
                {
                    entries.References.Add(new ReferenceIndexRow { ResourceType = type, ParamName = p.Name, TargetId = SearchValues.Truncate(canonical, 512) });
                }

                break;
            case SearchParamType.Quantity:
                if (value is Quantity { Value: { } amount } quantity)
                {
                    var (low, high) = SearchValues.PrecisionBounds(amount);
                    var inBase = CanonicalOf(quantity);
                    entries.Quantities.Add(new QuantityIndexRow
                    {
                        ResourceType = type, ParamName = p.Name, System = quantity.System ?? string.Empty,
                        Code = quantity.Code ?? quantity.Unit ?? string.Empty, Value = (double)amount, Low = (double)low, High = (double)high,
                        CanonicalCode = inBase?.Code, CanonicalValue = inBase?.Scale(amount),
                        CanonicalLow = inBase?.Scale(low), CanonicalHigh = inBase?.Scale(high),
                    });
                }

                break;
            case SearchParamType.Number:
                if (NumberOf(value) is { } number)
                {
                    var (low, high) = SearchValues.PrecisionRange(number);
                    entries.Numbers.Add(new NumberIndexRow { ResourceType = type, ParamName = p.Name, Value = (double)number, Low = low, High = high });
                }

                break;
            case SearchParamType.Composite when p.Components is [var codePath, var valuePath] && p.CompositeValueType != SearchParamType.Quantity:
                // Both halves from this one element (the Observation, one component, one useContext): the pairing is the correlation.
                var firsts = IndexExpressions.SelectIn(value, codePath).SelectMany(TokensOf).Where(t => !string.IsNullOrEmpty(t.Code)).Distinct().ToList();
                foreach (var second in IndexExpressions.SelectIn(value, valuePath))
                {
                    foreach (var row in CompositeValues(p.CompositeValueType, second))
                    {
                        foreach (var (system, code, _) in firsts)
                        {
                            entries.Composites.Add(new CompositeIndexRow
                            {
                                ResourceType = type, ParamName = p.Name,
                                System = SearchValues.Truncate(system ?? string.Empty, 256), Code = SearchValues.Truncate(code!, 256),
                                ValueSystem = row.ValueSystem, ValueCode = row.ValueCode, ValueText = row.ValueText,
                                Start = row.Start, End = row.End,
                            });
                        }
                    }
                }

                break;
            case SearchParamType.Composite when p.Components is [var codePath, var quantityPath]:
                // Both halves from this one element (the Observation, or one component): the pairing is the correlation.
                var codes = IndexExpressions.SelectIn(value, codePath).SelectMany(TokensOf).Where(t => !string.IsNullOrEmpty(t.Code)).Distinct().ToList();
                foreach (var pair in IndexExpressions.SelectIn(value, quantityPath).OfType<Quantity>().Where(q => q.Value is not null))
                {
                    var pairInBase = CanonicalOf(pair);
                    foreach (var (system, code, _) in codes)
                    {
                        entries.TokenQuantities.Add(new TokenQuantityIndexRow
                        {
                            ResourceType = type, ParamName = p.Name,
                            System = SearchValues.Truncate(system ?? string.Empty, 256), Code = SearchValues.Truncate(code!, 256),
                            QuantitySystem = SearchValues.Truncate(pair.System ?? string.Empty, 256),
                            QuantityCode = SearchValues.Truncate(pair.Code ?? pair.Unit ?? string.Empty, 64), Value = (double)pair.Value!.Value,
                            CanonicalCode = pairInBase?.Code, CanonicalValue = pairInBase?.Scale(pair.Value!.Value),
                        });
                    }
                }

                break;
            case SearchParamType.Uri:
                if (value is PrimitiveType { JsonValue: string uri })
                {
                    entries.Uris.Add(new UriIndexRow { ResourceType = type, ParamName = p.Name, Uri = SearchValues.Truncate(uri, 512) });
                }

                break;
        }
    }

    /// <summary>
    /// The second half of a token$X composite, normalised like a row of X's own table: a token's system and code, a string
    /// lower-cased without accents, a date's UTC range.
    /// </summary>
    private static IEnumerable<CompositeValue> CompositeValues(SearchParamType? type, Base value)
    {
        switch (type)
        {
            case SearchParamType.Token:
                return TokensOf(value).Where(t => !string.IsNullOrEmpty(t.Code)).Distinct()
                    .Select(t => new CompositeValue(SearchValues.Truncate(t.System ?? string.Empty, 256), SearchValues.Truncate(t.Code!, 256), null, null, null));
            case SearchParamType.String:
                return StringsOf(value).Select(s => SearchValues.Truncate(SearchValues.NormalizeString(s), 256)).Distinct()
                    .Select(s => new CompositeValue(null, null, s, null, null));
            case SearchParamType.Date:
                return DateRangeOf(value) is var (start, end) ? [new CompositeValue(null, null, null, start, end)] : [];
            default:
                return [];
        }
    }

    private readonly record struct CompositeValue(string? ValueSystem, string? ValueCode, string? ValueText, DateTime? Start, DateTime? End);

    /// <summary>A UCUM quantity's unit in base units; only its code counts (Quantity.unit is display text).</summary>
    private CanonicalUnit? CanonicalOf(Quantity quantity) =>
        quantity is { System: UcumCanonicalizer.System, Code: { } code } ? ucum.Canonical(code) : null;

    /// <summary>
    /// Whether a reference can point to <paramref name="only"/> (a parameter defined with <c>.where(resolve() is X)</c>):
    /// by its literal reference, else by <c>Reference.type</c>; a reference that says neither (an identifier alone)
    /// is taken to be of the parameter's type, since the server cannot resolve it to check.
    /// </summary>
    private static bool MayBe(ResourceReference reference, string? only)
    {
        if (only is null)
        {
            return true;
        }

        if (reference.Reference is { } literal && ParseReference(literal) is ({ } literalType, _))
        {
            return literalType == only;
        }

        return reference.Type is not { } declared
            || declared == only || declared.EndsWith("/StructureDefinition/" + only, StringComparison.Ordinal);
    }

    private static IEnumerable<string> StringsOf(Base value) => value switch
    {
        HumanName name => name.Given.Append(name.Family).Concat(name.Prefix).Concat(name.Suffix).Append(name.Text)
            .Where(s => !string.IsNullOrWhiteSpace(s)).Select(s => s!),
        Address address => address.Line.Append(address.City).Append(address.District).Append(address.State)
            .Append(address.PostalCode).Append(address.Country).Append(address.Text).Where(s => !string.IsNullOrWhiteSpace(s)).Select(s => s!),
        PrimitiveType { JsonValue: string s } when !string.IsNullOrWhiteSpace(s) => [s],
        _ => [],
    };

    private static IEnumerable<(string? System, string? Code, string? Text)> TokensOf(Base value) => value switch
    {
        CodeableConcept concept => concept.Coding.Select(c => ((string?)c.System, (string?)c.Code, c.Display ?? concept.Text))
            .DefaultIfEmpty((null, null, concept.Text)).Where(t => t.Item2 is not null || t.Item3 is not null),
        Coding coding => [(coding.System, coding.Code, coding.Display)],
        Identifier identifier when identifier.Value is not null => [(identifier.System, identifier.Value, identifier.Type?.Text)],
        ContactPoint contact when contact.Value is not null => [(contact.System?.ToString().ToLowerInvariant(), contact.Value, null)],
        FhirBoolean { Value: { } b } => [(null, b ? "true" : "false", null)],
        PrimitiveType { JsonValue: { } v } when value is not FhirBoolean => [(null, Convert.ToString(v, CultureInfo.InvariantCulture), null)],
        _ => [],
    };

    private static (DateTime Start, DateTime End)? DateRangeOf(Base value)
    {
        switch (value)
        {
            case Period period:
                var start = period.Start is { } s && SearchValues.TryDateRange(s, out var s0, out _) ? s0 : DateTime.SpecifyKind(DateTime.MinValue, DateTimeKind.Utc);
                var end = period.End is { } e && SearchValues.TryDateRange(e, out _, out var e1) ? e1 : DateTime.SpecifyKind(DateTime.MaxValue, DateTimeKind.Utc);
                return (start, end);
            case Timing timing when timing.EventElement.Count > 0:
                var ranges = timing.EventElement.Select(ev => ev.Value is { } v && SearchValues.TryDateRange(v, out var a, out var b) ? (a, b) : ((DateTime, DateTime)?)null)
                    .Where(r => r is not null).Select(r => r!.Value).ToList();
                return ranges.Count == 0 ? null : (ranges.Min(r => r.Item1), ranges.Max(r => r.Item2));
            case PrimitiveType { JsonValue: string text } when SearchValues.TryDateRange(text, out var from, out var to):
                return (from, to);
            case Instant { Value: { } instant }:
                // A point as a half-open range one tick wide, like every other date row ([Start, End)).
                return (instant.UtcDateTime, instant.UtcDateTime.AddTicks(1));
            default:
                return null;
        }
    }

    private static decimal? NumberOf(Base value) => value switch
    {
        FhirDecimal { Value: { } d } => d,
        Integer { Value: { } i } => i,
        PositiveInt { Value: { } p } => p,
        UnsignedInt { Value: { } u } => u,
        _ => null,
    };

    /// <summary>Splits <c>Patient/123</c> (or a full URL ending in it) into type and id; other URLs stay whole.</summary>
    internal static (string? Type, string Id)? ParseReference(string reference)
    {
        if (reference.StartsWith('#'))
        {
            return null;
        }

        var parts = reference.Split('/');
        var history = Array.IndexOf(parts, "_history");
        if (history > 0)
        {
            parts = parts[..history];
        }

        if (parts.Length >= 2 && ModelInfo.IsKnownResource(parts[^2]))
        {
            var isRelative = parts.Length == 2;
            return isRelative ? (parts[^2], parts[^1]) : (parts[^2], parts[^1]);
        }

        return (null, reference);
    }
}
