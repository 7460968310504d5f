using System.Collections.Concurrent;
using System.Xml.Linq;
using Fhir.Metrics;

namespace FhirKetamine.Core.Search;

/// <summary>
/// UCUM codes to canonical units with Firely's Fhir.Metrics, so quantity search compares commensurable units
/// (R4 search.html#quantity): 5500 g and 5.5 kg both index as 5500 g. Loading the system of units parses UCUM's
/// essence XML (about 0.6 s) and canonicalising one code takes about half a millisecond, so the system is loaded once,
/// on first use, and each code's canonical unit is cached: converting a value is then one multiplication.
/// A singleton, shared by the indexer and every search.
/// </summary>
public sealed class UcumCanonicalizer
{
    public const string System = "http://unitsofmeasure.org";

    /// <summary>Codes kept in the cache; codes past it (made up by a client, one per request) are canonicalised each time.</summary>
    private const int MaxCachedCodes = 10_000;

    /// <summary>The width of the index columns that hold a canonical code.</summary>
    private const int MaxCodeLength = 64;

    /// <summary>UCUM's unit 1: the canonical code of every dimensionless unit (%, [ppm], {score}).</summary>
    private const string Dimensionless = "1";

    private readonly Lazy<Ucum> ucum = new(Ucum.Load);
    private readonly ConcurrentDictionary<string, CanonicalUnit?> cache = new(StringComparer.Ordinal);

    /// <summary>The canonical unit of a UCUM code; null when the code is not UCUM, has no linear conversion (Cel, [pH])
    /// or is an arbitrary unit ([iU]: UCUM makes it commensurable with nothing, though the library would make it 1).</summary>
    public CanonicalUnit? Canonical(string code)
    {
        if (cache.TryGetValue(code, out var known))
        {
            return known;
        }

        var unit = ucum.Value.Canonical(code);
        if (cache.Count < MaxCachedCodes)
        {
            cache.TryAdd(code, unit);
        }

        return unit;
    }

    /// <summary>The loaded system of units, and the codes UCUM flags that it must not convert linearly.</summary>
    private sealed class Ucum(SystemOfUnits units, HashSet<string> unconvertible)
    {
        // Fhir.Metrics says nothing of thread safety; it is called once per distinct code, so a lock costs nothing.
        private readonly Lock gate = new();

        public static Ucum Load()
        {
            var units = UCUM.Load();
            // The same essence XML the library loads: its isArbitrary flags ([iU], [arb'U]) are not in the library's
            // model, which converts those units to 1; isSpecial ones (Cel, [pH]) are kept out in case a version converts them.
            using var stream = typeof(UCUM).Assembly.GetManifestResourceStream("Fhir.Metrics.Data.ucum-essence.xml")
                ?? throw new InvalidOperationException("Fhir.Metrics no longer embeds Data/ucum-essence.xml: arbitrary UCUM units cannot be told apart.");
            var unconvertible = XDocument.Load(stream).Root!.Elements()
                .Where(e => (string?)e.Attribute("isArbitrary") == "yes" || (string?)e.Attribute("isSpecial") == "yes")
                .Select(e => (string?)e.Attribute("Code")).OfType<string>().ToHashSet(StringComparer.Ordinal);
            return new Ucum(units, unconvertible);
        }

        public CanonicalUnit? Canonical(string code)
        {
            if (code.Length == 0 || code.Any(char.IsWhiteSpace))
            {
                return null;
            }

            lock (gate)
            {
                try
                {
                    var metric = units.Metric(code);
                    if (metric.Axes.Any(a => unconvertible.Contains(a.Unit.Symbol)))
                    {
                        return null;
                    }

                    var canonical = units.Canonical(new Fhir.Metrics.Quantity(1, metric));
                    // Annotations ({beats}) parse as the unit 1: {beats}/min is 1.s-1 to the library, /min is s-1.
                    var axes = canonical.Metric.Axes.Where(a => a.Unit.Symbol != Dimensionless && a.Exponent != 0).ToList();
                    var canonicalCode = axes.Count == 0 ? Dimensionless : string.Join(".", axes.Select(a => a.Symbols));
                    return canonicalCode.Length <= MaxCodeLength ? new CanonicalUnit(canonicalCode, canonical.Value.ToDecimal()) : null;
                }
                catch (Exception ex) when (ex is ArgumentException or InvalidCastException or OverflowException)
                {
                    // What the library throws for an unknown unit, a unit without a path to base units, or a factor past decimal.
                    return null;
                }
            }
        }
    }
}
