using System.Globalization;
using System.Text;
using P = Hl7.Fhir.ElementModel.Types;

namespace FhirKetamine.Core.Search;

/// <summary>
/// Normalisation shared by the indexer (write time) and the query (read time), so that both sides of
/// every comparison are in the same form and queries stay plain comparisons on every database.
/// </summary>
public static class SearchValues
{
    /// <summary>Lower-case, accents removed, whitespace collapsed: FHIR's default string matching.</summary>
    public static string NormalizeString(string value)
    {
        var decomposed = value.Trim().Normalize(NormalizationForm.FormD);
        var builder = new StringBuilder(decomposed.Length);
        var lastWasSpace = false;
        foreach (var c in decomposed)
        {
            if (CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.NonSpacingMark)
            {
                continue;
            }

            if (char.IsWhiteSpace(c))
            {
                if (!lastWasSpace)
                {
                    builder.Append(' ');
                }

                lastWasSpace = true;
                continue;
            }

            lastWasSpace = false;
            var lower = char.ToLowerInvariant(c);
            if (lower < '\u00DF' || lower > '\u017F')
            {
                builder.Append(lower);
            }
            else
            {
                builder.Append(FoldLatin(lower));
            }
        }

        return Truncate(builder.ToString().Normalize(NormalizationForm.FormC), 256);
    }

    /// <summary>
    /// Base letters of U+0100–U+017F (Latin Extended-A) in code-point order; the two ligatures are folded in
    /// <see cref="FoldLatin"/>.
    /// </summary>
    private static readonly string LatinExtendedA = string.Concat(
        new string('a', 6), new string('c', 8), new string('d', 4), new string('e', 10), new string('g', 8),
        new string('h', 4), new string('i', 10), "??", new string('j', 2), new string('k', 3), new string('l', 10),
        new string('n', 9), new string('o', 6), "??", new string('r', 6), new string('s', 8), new string('t', 6),
        new string('u', 12), new string('w', 2), new string('y', 3), new string('z', 6), "s");

    /// <summary>Base letters of U+00E0–U+00FF (lower-case Latin-1 Supplement); ÷ stays itself.</summary>
    private const string Latin1Lower = "aaaaaa?ceeeeiiiidnooooo\u00F7ouuuuy?y";

    /// <summary>
    /// Removes the accent of a precomposed lower-case Latin letter (é → e, ø → o, ß → ss). FormD decomposition
    /// cannot be relied on for this: with InvariantGlobalization (Directory.Build.props) string.Normalize leaves
    /// non-ASCII text as it is, so "rive" would not find "Rivéra".
    /// </summary>
    private static string FoldLatin(char c) => c switch
    {
        '\u00DF' => "ss",
        '\u00E6' => "ae",
        '\u00FE' => "th",
        '\u0133' or '\u0132' => "ij",
        '\u0153' or '\u0152' => "oe",
        >= '\u00E0' and <= '\u00FF' => Latin1Lower[c - '\u00E0'].ToString(),
        >= '\u0100' and <= '\u017F' => LatinExtendedA[c - '\u0100'].ToString(),
        _ => c.ToString(),
    };

    /// <summary>
    /// The Code column of an identifier's <c>:of-type</c> row: the type code and the identifier's value, joined by
    /// <c>|</c> as the search value writes them (<c>system|MR|12345</c>), so the match is one equality.
    /// </summary>
    public static string OfTypeCode(string typeCode, string value) => typeCode + "|" + value;

    public static string Truncate(string value, int max) => value.Length <= max ? value : value[..max];

    /// <summary>
    /// The UTC range a FHIR date/dateTime/instant covers: <c>2026-03</c> is all of March 2026.
    /// Values without a time zone are taken as UTC.
    /// </summary>
    public static bool TryDateRange(string value, out DateTime start, out DateTime end)
    {
        start = end = default;
        if (!P.DateTime.TryParse(value, out var parsed))
        {
            return false;
        }

        var range = parsed.GetRange(TimeSpan.Zero);
        start = range.Start?.UtcDateTime ?? DateTime.SpecifyKind(DateTime.MinValue, DateTimeKind.Utc);
        end = range.End?.UtcDateTime ?? DateTime.SpecifyKind(DateTime.MaxValue, DateTimeKind.Utc);
        return true;
    }

    /// <summary>At most this many later words of one string value are indexed as parts (a long description stays cheap).</summary>
    public const int MaxIndexedParts = 8;

    /// <summary>
    /// The second and later words of a string (split at white space, hyphens and commas), each at least two letters,
    /// at most <see cref="MaxIndexedParts"/>: "Carreno Quinones" → "Quinones", "Smith-Jones" → "Jones". The first word
    /// needs no row of its own: the value's own row starts with it.
    /// </summary>
    public static IEnumerable<string> LaterWords(string text) =>
        text.Split([' ', '\t', '\n', '\r', '-', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Skip(1).Where(w => w.Length >= 2).Distinct(StringComparer.OrdinalIgnoreCase).Take(MaxIndexedParts);

    /// <summary>The interval a decimal's written precision implies: 5.4 means [5.35, 5.45).</summary>
    public static (double Low, double High) PrecisionRange(decimal value)
    {
        var (low, high) = PrecisionBounds(value);
        return ((double)low, (double)high);
    }

    /// <summary><see cref="PrecisionRange"/> in decimals, for bounds that are converted to another unit before they are compared.</summary>
    public static (decimal Low, decimal High) PrecisionBounds(decimal value)
    {
        var scale = (value.Scale);
        var half = 0.5m * (decimal)Math.Pow(10, -scale);
        return (value - half, value + half);
    }
}
